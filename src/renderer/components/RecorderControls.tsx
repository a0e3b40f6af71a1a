// The flight recorder's controls: **Save run…** (the live history, always: it is recorded during a replay too) and
// **Export trace** (the live history, or the run being replayed) and the history's length (a setting applied at
// once), which the title bar's Run menu holds; and, once older events were dropped, where the history starts.

import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { traceChunks } from '../../history/trace-export';
import { RUN_FILE_EXTENSION } from '../../shared/run-file';
import {
  RECORDER_SETTING_NAMES,
  RECORDER_SETTINGS,
  type RecorderSettingName,
  validateRecorderSettings,
  wholeNumberFromText,
} from '../../shared/settings';
import type { HistoryExportKind } from '../../shared/wire';
import { useAppStore } from '../store/use-app-store';
import { downloadText } from '../transport/downloads';
import { useAppServices } from './app-services';
import { formatClockTime, formatCount } from './format';

const TRACE_EXTENSION = '.trace.json';

/** HH:MM:SS, the history's start to the second (the notice says when, not how precisely). */
const clockSeconds = (epochMs: number): string => formatClockTime(epochMs).slice(0, 'HH:MM:SS'.length);

export function HistoryNotice(): ReactNode {
  const startAt = useAppStore((s) => s.wire.historyStartAt);
  if (startAt === null) return null;
  return (
    <p className="history-notice" data-testid="history-notice" data-start-at={startAt}>
      History starts at {clockSeconds(startAt)} (older events dropped)
    </p>
  );
}

/** Save run… and Export trace: what the main side writes, or (a run that is open) what the page makes itself. */
export function SaveButtons(): ReactNode {
  const { saveHistory } = useAppServices();
  // The run replayed, while the page shows it; the live history otherwise (after Back to live too).
  const fileName = useAppStore((s) => (s.replay.phase === 'off' ? null : s.replay.fileName));
  const source = useAppStore((s) => s.replay.source);
  const showMessage = useAppStore((s) => s.commandActions.showMessage);

  const saveLive = async (kind: HistoryExportKind) => {
    try {
      const result = await saveHistory(kind);
      if (result.ok && result.filePath !== null) showMessage('info', `Saved ${result.filePath}`, 'save');
      else if (!result.ok && !('isCanceled' in result)) showMessage('error', result.error, 'save');
    } catch (error) {
      showMessage('error', `Could not save: ${error instanceof Error ? error.message : String(error)}`, 'save');
    }
  };

  const exportTrace = () => {
    if (fileName === null) return void saveLive('trace');
    if (source === null) return void showMessage('info', `${fileName} is still opening: export it once its replay shows`, 'save');
    const baseName = fileName.endsWith(RUN_FILE_EXTENSION) ? fileName.slice(0, -RUN_FILE_EXTENSION.length) : fileName;
    const chunks = traceChunks(source.header, source.events(), { initialState: source.initialState });
    downloadText(chunks, `${baseName}${TRACE_EXTENSION}`, 'application/json');
  };

  return (
    <>
      <button
        type="button"
        className="secondary small"
        title={`Save the flight recorder's history as a ${RUN_FILE_EXTENSION} file, to open again or share`}
        onClick={() => void saveLive('run')}
      >
        Save run…
      </button>
      <button
        type="button"
        className="secondary small"
        data-source={fileName === null ? 'live' : 'recording'}
        title={
          fileName === null
            ? 'Export the history as a trace for ui.perfetto.dev or the DevTools Performance panel'
            : `Export ${fileName} as a trace for ui.perfetto.dev or the DevTools Performance panel`
        }
        onClick={exportTrace}
      >
        Export trace
      </button>
    </>
  );
}

const FIELD_IDS: Record<RecorderSettingName, string> = { historySeconds: 'history-seconds', historyEvents: 'history-events' };

/** The history's length: seconds and events, whichever keeps fewer; shown as the main side holds it, applied at once. */
export function HistorySettings(): ReactNode {
  const maxAgeMs = useAppStore((s) => s.wire.historyMaxAgeMs);
  const maxEvents = useAppStore((s) => s.wire.historyMaxEvents);
  const setHistory = useAppStore((s) => s.commandActions.setHistory);
  const [isOpen, setOpen] = useState(false);
  const [texts, setTexts] = useState<Record<RecorderSettingName, string>>({ historySeconds: '', historyEvents: '' });
  const [error, setError] = useState<{ text: string; field: RecorderSettingName | null } | null>(null);
  const [isApplying, setApplying] = useState(false);
  const formId = useId();
  const current = maxAgeMs === null || maxEvents === null ? null : { historySeconds: maxAgeMs / 1_000, historyEvents: maxEvents };

  const open = () => {
    if (current !== null) setTexts({ historySeconds: String(current.historySeconds), historyEvents: String(current.historyEvents) });
    setError(null);
    setOpen(!isOpen);
  };

  const apply = async (event: FormEvent) => {
    event.preventDefault();
    const checked = validateRecorderSettings({
      historySeconds: wholeNumberFromText(texts.historySeconds),
      historyEvents: wholeNumberFromText(texts.historyEvents),
    });
    if (!checked.ok) return setError({ text: checked.error, field: checked.field });
    setApplying(true);
    const result = await setHistory(checked.value);
    setApplying(false);
    if (!result.ok) {
      const field = RECORDER_SETTING_NAMES.find((name) => name === result.field) ?? null;
      return setError({ text: result.error, field });
    }
    setError(null);
    setOpen(false);
  };

  return (
    <div className="history-settings">
      <button
        type="button"
        className="secondary small"
        aria-expanded={isOpen}
        aria-controls={formId}
        data-testid="history-settings-toggle"
        data-history-s={current?.historySeconds}
        data-history-events={current?.historyEvents}
        title={
          current === null
            ? 'How much the flight recorder keeps'
            : `The flight recorder keeps the last ${formatCount(current.historySeconds)} s or ${formatCount(current.historyEvents)} events, whichever are fewer`
        }
        onClick={open}
      >
        History…
      </button>
      {isOpen && (
        <form id={formId} className="history-form" data-testid="history-settings" onSubmit={(event) => void apply(event)}>
          {RECORDER_SETTING_NAMES.map((name) => (
            <label key={name} htmlFor={FIELD_IDS[name]}>
              {RECORDER_SETTINGS[name].label}
              <input
                id={FIELD_IDS[name]}
                className="history-input"
                inputMode="numeric"
                value={texts[name]}
                aria-invalid={error?.field === name}
                onChange={(event) => setTexts({ ...texts, [name]: event.target.value })}
              />
            </label>
          ))}
          <button type="submit" className="small" aria-busy={isApplying}>
            Apply
          </button>
          {error !== null && (
            <p className="history-error" role="alert" data-testid="history-error" data-field={error.field ?? ''}>
              {error.text}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
