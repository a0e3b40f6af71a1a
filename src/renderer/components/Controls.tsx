// Settings and the four commands. The settings' inputs come from the settings table (src/shared/settings.ts)
// and are validated as the person types: the reason shows inline and marks the field it names. Buttons stay
// enabled: a click with bad input explains itself in the alert instead of doing nothing.

import type { ReactNode } from 'react';
import { BURST_LIMITS } from '../../shared/commands';
import { FORM_SETTING_NAMES, type SettingName, settingDefinition } from '../../shared/settings';
import { useAppStore } from '../store/use-app-store';

interface FieldProps {
  id: string;
  label: string;
  value: string;
  /** Whole numbers get a numeric keyboard and their range as a tooltip; null for text. */
  range: { min: number; max: number } | null;
  onChange(text: string): void;
  className?: string;
  isInvalid?: boolean;
}

function Field({ id, label, value, range, onChange, className, isInvalid }: FieldProps): ReactNode {
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode={range ? 'numeric' : 'text'}
        autoComplete="off"
        spellCheck={false}
        value={value}
        aria-invalid={isInvalid || undefined}
        title={range ? `${range.min}–${range.max}` : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

const BURST_RANGE = { min: BURST_LIMITS.minCount, max: BURST_LIMITS.maxCount };

/** One input per setting the form shows, in SETTINGS order, labelled and bounded by its definition. */
function SettingField({ name, isInvalid }: { name: SettingName; isInvalid: boolean }): ReactNode {
  const value = useAppStore((s) => s.view.form[name]);
  const editSettingsField = useAppStore((s) => s.viewActions.editSettingsField);
  const definition = settingDefinition(name);
  const form = definition.form;
  if (!form) return null;
  return (
    <Field
      id={form.inputId}
      label={form.label ?? definition.label}
      value={value}
      range={definition.kind === 'whole-number' ? { min: definition.min, max: definition.max } : null}
      isInvalid={isInvalid}
      onChange={(text) => editSettingsField(name, text)}
    />
  );
}

export function Controls(): ReactNode {
  const validation = useAppStore((s) => s.view.formValidation);
  const sleepBurstCount = useAppStore((s) => s.view.sleepBurstCount);
  const helloBurstCount = useAppStore((s) => s.view.helloBurstCount);
  const pending = useAppStore((s) => s.commands.pending);
  const phase = useAppStore((s) => s.wire.status.phase);
  const viewActions = useAppStore((s) => s.viewActions);
  const actions = useAppStore((s) => s.commandActions);
  const invalidField = validation.ok ? null : validation.field;
  const isRunning = phase === 'listening' || phase === 'starting';

  return (
    <section className="controls panel" aria-label="Server controls">
      <form
        className="control-group"
        onSubmit={(event) => {
          event.preventDefault();
          void actions.startServer();
        }}
      >
        {FORM_SETTING_NAMES.map((name) => (
          <SettingField key={name} name={name} isInvalid={invalidField === name} />
        ))}
        <div className="buttons">
          <button type="submit" className={isRunning ? 'secondary' : 'primary'} aria-busy={pending === 'start' || undefined}>
            Start server
          </button>
          <button
            type="button"
            className={isRunning ? 'danger' : 'secondary'}
            aria-busy={pending === 'stop' || undefined}
            onClick={() => void actions.stopServer()}
          >
            Stop server
          </button>
        </div>
        {!validation.ok && (
          <p className="field-error" data-testid="settings-error" aria-live="polite">
            {validation.error}
          </p>
        )}
      </form>
      <div className="control-group load-group">
        <Field
          id="burst-sleep-count"
          label="Burst size"
          value={sleepBurstCount}
          range={BURST_RANGE}
          className="narrow"
          onChange={(t) => viewActions.editBurstCount('sleep', t)}
        />
        <button
          type="button"
          className="accent-sleep"
          aria-busy={pending === 'burst-sleep' || undefined}
          onClick={() => void actions.fireBurst('/sleep')}
        >
          Fire /sleep burst
        </button>
        <Field
          id="burst-hello-count"
          label="GET / count"
          value={helloBurstCount}
          range={BURST_RANGE}
          className="narrow"
          onChange={(t) => viewActions.editBurstCount('hello', t)}
        />
        <button
          type="button"
          className="accent-hello"
          aria-busy={pending === 'burst-hello' || undefined}
          onClick={() => void actions.fireBurst('/')}
        >
          Fire GET / burst
        </button>
      </div>
    </section>
  );
}
