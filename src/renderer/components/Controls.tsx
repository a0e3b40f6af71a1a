// Settings and the commands. The settings' inputs come from the settings table (src/shared/settings.ts) and are
// checked as the person types; so is each burst size, in its own words. Buttons follow the server's phase
// (control-states.ts): one that cannot act now stays focusable, says why in a tooltip, and a click says it too.
// While the server runs, edited settings "apply on restart" and Restart with these settings applies them. Each
// group's message line is always there, so a message appearing never moves the layout. While a replay is shown
// they belong to the live server, which the page does not show: none acts, and each says so; nor while a comparison
// runs, which starts, stops and sends to its own servers.
// The strategy is a select beside Start server; while a server runs it keeps its value and says why. The pool size
// says where it does not apply, and the thread limit shows only under 'per-request'.

import { type FocusEvent, Fragment, type MouseEvent, type ReactNode, useId, useState } from 'react';
import { BURST_LIMITS, type BurstPath } from '../../shared/commands';
import { isComparisonRunning } from '../../shared/compare';
import { isSweepRunning } from '../../shared/live-metrics';
import {
  FORM_SETTING_NAMES,
  hasPool,
  type SettingName,
  STRATEGIES,
  STRATEGY_TITLES,
  type Strategy,
  settingDefinition,
} from '../../shared/settings';
import { BURST_FIELD_LABELS, checkBurstCount } from '../store/commands-slice';
import { useAppStore } from '../store/use-app-store';
import type { BurstKind } from '../store/view-slice';
import { BOOK_TOOLTIPS, fireBurstTooltipOf, useShowBookTerms } from './book-terms';
import {
  type ControlState,
  changedSettings,
  controlStatesOf,
  duringComparison,
  duringReplay,
  duringSweep,
  REPLAY_OPEN_REASON,
} from './control-states';
import { MessageStack } from './MessageStack';

interface FieldProps {
  id: string;
  label: string;
  value: string;
  /** Whole numbers get a numeric keyboard and their range as a tooltip; null for text. */
  range: { min: number; max: number } | null;
  onChange(text: string): void;
  className?: string;
  /** The id of the message that says what is wrong with it, when something is. */
  errorMessageId?: string | null;
  /** A short note under it (e.g. where the setting does not apply). */
  note?: { text: string; testId: string } | null;
  /** What an empty field means ('never'), shown in it while it is empty. */
  placeholder?: string;
}

function Field({ id, label, value, range, onChange, className, errorMessageId, note, placeholder }: FieldProps): ReactNode {
  const noteId = useId();
  const describedBy = [errorMessageId, note ? noteId : null].filter(Boolean).join(' ');
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
        aria-invalid={errorMessageId ? true : undefined}
        aria-describedby={describedBy || undefined}
        title={range ? `${range.min}–${range.max}${placeholder ? `, empty: ${placeholder}` : ''}` : undefined}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
      />
      {note && (
        <span id={noteId} className="field-note" data-testid={note.testId}>
          {note.text}
        </span>
      )}
    </div>
  );
}

/** Where the pool size does not apply, in words: the strategies without a pool. */
function poolSizeNoteOf(strategy: string): string | null {
  if (strategy === 'single') return 'Not used by Single thread: it has one thread';
  if (strategy === 'per-request') return 'Not used by Thread per request: one thread per request';
  return null;
}

/** A tooltip's widest (styles.css `.tooltip`'s max-width). */
const TOOLTIP_MAX_WIDTH_PX = 340;

/**
 * Which way a control's tooltip opens: rightwards from its left edge, or, when that would pass the window's right
 * edge (Stop server at 1280 px), leftwards from its right edge. Decided as the pointer or the keyboard reaches the
 * control, from where it is then, since the layout wraps with the window's width. The class goes on the wrapper.
 */
function useTooltipSide(): {
  className: string;
  onMouseEnter(event: MouseEvent<HTMLElement>): void;
  onFocus(event: FocusEvent<HTMLElement>): void;
} {
  const [isAtEnd, setAtEnd] = useState(false);
  const place = (event: { currentTarget: HTMLElement }) => {
    const left = event.currentTarget.getBoundingClientRect().left;
    setAtEnd(left + TOOLTIP_MAX_WIDTH_PX > document.documentElement.clientWidth - 8);
  };
  return { className: isAtEnd ? 'has-tooltip tooltip-at-end' : 'has-tooltip', onMouseEnter: place, onFocus: place };
}

/**
 * The strategy: a select beside Start server. While a server runs it stays focusable with aria-disabled, keeps its
 * value, and says why in a tooltip and on any attempt to change it (a running server keeps the strategy it started with).
 */
function StrategySelect({ state }: { state: ControlState }): ReactNode {
  const value = useAppStore((s) => s.view.form.strategy);
  const editSettingsField = useAppStore((s) => s.viewActions.editSettingsField);
  const clearFieldError = useAppStore((s) => s.commandActions.clearFieldError);
  const explain = useAppStore((s) => s.commandActions.explain);
  const showBookTerms = useShowBookTerms();
  const tooltipId = useId();
  const tooltipSide = useTooltipSide();
  const definition = settingDefinition('strategy');
  const inputId = definition.form?.inputId ?? 'setting-strategy';
  const isLocked = state.reason !== null;
  const tooltip = state.reason ?? (showBookTerms ? BOOK_TOOLTIPS.strategy : null);
  const refuse = (event: { preventDefault(): void }) => {
    event.preventDefault();
    explain(state.reason!);
  };
  return (
    <div className={`field strategy-field ${tooltipSide.className}`}>
      <label htmlFor={inputId}>{definition.label}</label>
      <select
        id={inputId}
        data-testid="strategy-select"
        value={value}
        aria-disabled={isLocked || undefined}
        aria-describedby={tooltip === null ? undefined : tooltipId}
        onMouseEnter={tooltipSide.onMouseEnter}
        onFocus={tooltipSide.onFocus}
        onMouseDown={isLocked ? refuse : undefined}
        onKeyDown={
          isLocked
            ? (event) => {
                // Tab still moves on; any key that would change or open it says why instead.
                if (event.key !== 'Tab' && event.key !== 'Shift' && !event.altKey && !event.metaKey && !event.ctrlKey) refuse(event);
              }
            : undefined
        }
        onChange={(event) => {
          if (isLocked) {
            explain(state.reason!);
            return;
          }
          editSettingsField('strategy', event.target.value);
          clearFieldError('strategy');
        }}
      >
        {STRATEGIES.map((strategy: Strategy) => (
          <option key={strategy} value={strategy}>
            {STRATEGY_TITLES[strategy]}
          </option>
        ))}
      </select>
      {tooltip !== null && (
        <span role="tooltip" id={tooltipId} className="tooltip">
          {tooltip}
        </span>
      )}
    </div>
  );
}

/**
 * Settings a class rarely needs to see changed: presentation mode leaves their fields out so the controls keep one
 * row at 1920 px (the running settings in the title bar still show them).
 */
const PRESENTATION_HIDDEN_SETTINGS: ReadonlySet<SettingName> = new Set(['maxQueuedJobs', 'maxWaitMs', 'stopAfterConnections']);

/** One input per setting the form shows, in SETTINGS order, labelled and bounded by its definition. */
function SettingField({ name, errorMessageId }: { name: SettingName; errorMessageId: string | null }): ReactNode {
  const value = useAppStore((s) => s.view.form[name]);
  const strategy = useAppStore((s) => s.view.form.strategy);
  const editSettingsField = useAppStore((s) => s.viewActions.editSettingsField);
  const clearFieldError = useAppStore((s) => s.commandActions.clearFieldError);
  const definition = settingDefinition(name);
  const form = definition.form;
  if (!form) return null;
  // The thread limit bounds a thread per request alone.
  if (name === 'maxThreads' && strategy !== 'per-request') return null;
  const poolSizeNote = name === 'workerCount' && !hasPool(strategy as Strategy) ? poolSizeNoteOf(strategy) : null;
  return (
    <Field
      id={form.inputId}
      label={form.label ?? definition.label}
      value={value}
      range={definition.kind === 'whole-number' ? { min: definition.min, max: definition.max } : null}
      placeholder={definition.kind === 'whole-number' ? definition.zeroMeans : undefined}
      className={PRESENTATION_HIDDEN_SETTINGS.has(name) ? 'field-advanced' : undefined}
      errorMessageId={errorMessageId}
      note={poolSizeNote === null ? null : { text: poolSizeNote, testId: 'pool-size-note' }}
      onChange={(text) => {
        editSettingsField(name, text);
        clearFieldError(name);
      }}
    />
  );
}

interface ActionButtonProps {
  state: ControlState;
  label: string;
  onAct(): void;
  /** A form's submit button acts through the form's submit. */
  isSubmit?: boolean;
  /** Said in the tooltip while the button can act (the book's words), if anything. */
  hint?: string;
  /** A button inside a message line. */
  isSmall?: boolean;
  testId?: string;
  /**
   * Its look turns primary (bold) in some phases and not in others: it keeps its label's bold width in all, so that
   * the buttons beside it do not move under the pointer as it changes (Start server, as the server starts).
   */
  keepsBoldWidth?: boolean;
}

/**
 * A button that follows the server: aria-disabled (still focusable) with its reason as a tooltip when it cannot
 * act; a click then says the reason instead of acting.
 */
function ActionButton({
  state,
  label,
  onAct,
  isSubmit = false,
  hint,
  isSmall = false,
  testId,
  keepsBoldWidth = false,
}: ActionButtonProps): ReactNode {
  const tooltipId = useId();
  const explain = useAppStore((s) => s.commandActions.explain);
  const tooltip = state.reason ?? hint ?? null;
  const tooltipSide = useTooltipSide();
  return (
    <span className={tooltipSide.className}>
      <button
        type={isSubmit ? 'submit' : 'button'}
        className={isSmall ? `${state.look} small` : state.look}
        aria-disabled={state.reason !== null || undefined}
        aria-busy={state.isBusy || undefined}
        aria-describedby={tooltip === null ? undefined : tooltipId}
        data-testid={testId}
        data-bold-width={keepsBoldWidth ? label : undefined}
        onMouseEnter={tooltipSide.onMouseEnter}
        onFocus={tooltipSide.onFocus}
        onClick={(event) => {
          if (state.reason !== null) {
            event.preventDefault();
            explain(state.reason);
          } else if (!isSubmit) onAct();
        }}
      >
        {label}
      </button>
      {tooltip !== null && (
        <span role="tooltip" id={tooltipId} className="tooltip">
          {tooltip}
        </span>
      )}
    </span>
  );
}

const BURST_RANGE = { min: BURST_LIMITS.minCount, max: BURST_LIMITS.maxCount };

/** The two bursts: each a size field and its Fire button. */
const BURSTS = [
  { path: '/sleep', kind: 'sleep', inputId: 'burst-sleep-count', button: 'Fire /sleep burst' },
  { path: '/', kind: 'hello', inputId: 'burst-hello-count', button: 'Fire GET / burst' },
] as const satisfies ReadonlyArray<{ path: BurstPath; kind: BurstKind; inputId: string; button: string }>;

function BurstControls({ fire }: { fire: Record<BurstPath, ControlState> }): ReactNode {
  const sleepBurstCount = useAppStore((s) => s.view.sleepBurstCount);
  const helloBurstCount = useAppStore((s) => s.view.helloBurstCount);
  const editBurstCount = useAppStore((s) => s.viewActions.editBurstCount);
  const fireBurst = useAppStore((s) => s.commandActions.fireBurst);
  const showBookTerms = useShowBookTerms();
  const strategy = useAppStore((s) => s.wire.strategy);
  const messageIdBase = useId();
  const counts: Record<BurstPath, string> = { '/sleep': sleepBurstCount, '/': helloBurstCount };
  const bursts = BURSTS.map((burst) => ({
    ...burst,
    check: checkBurstCount(burst.path, counts[burst.path]),
    messageId: `${messageIdBase}-${burst.inputId}`,
  }));
  return (
    <div className="control-group load-group">
      {bursts.map((burst) => (
        <Fragment key={burst.path}>
          <Field
            id={burst.inputId}
            label={BURST_FIELD_LABELS[burst.path]}
            value={counts[burst.path]}
            range={BURST_RANGE}
            className="narrow"
            errorMessageId={burst.check.ok ? null : burst.messageId}
            onChange={(text) => editBurstCount(burst.kind, text)}
          />
          <ActionButton
            state={fire[burst.path]}
            label={burst.button}
            hint={showBookTerms ? fireBurstTooltipOf(burst.path, strategy) : undefined}
            onAct={() => void fireBurst(burst.path)}
          />
        </Fragment>
      ))}
      <div className="control-message" aria-live="polite">
        {bursts.map((burst) => (
          <p key={burst.path} id={burst.messageId} className="field-error" data-testid="burst-error" data-field={burst.inputId}>
            {burst.check.ok ? '' : burst.check.error}
          </p>
        ))}
      </div>
    </div>
  );
}

/** The form's fields, not its buttons: the server's settings wait while one of them has the focus. */
function isSettingsInput(target: EventTarget): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement;
}

export function Controls(): ReactNode {
  const form = useAppStore((s) => s.view.form);
  const validation = useAppStore((s) => s.view.formValidation);
  const pending = useAppStore((s) => s.commands.pending);
  const restartStep = useAppStore((s) => s.commands.restartStep);
  const fieldError = useAppStore((s) => s.commands.fieldError);
  const status = useAppStore((s) => s.wire.status);
  // Only a stopping server's buttons name the jobs in flight: under load the count moves every frame.
  const inFlightJobs = useAppStore((s) => (s.wire.status.phase === 'stopping' ? s.wire.inFlightJobs : 0));
  const actions = useAppStore((s) => s.commandActions);
  const setFormFocused = useAppStore((s) => s.viewActions.setFormFocused);
  const showBookTerms = useShowBookTerms();
  const settingsMessageId = useId();

  const isReplay = useAppStore((s) => s.replay.phase !== 'off');
  const isComparing = useAppStore((s) => isComparisonRunning(s.compare.activity));
  const isSweeping = useAppStore((s) => isSweepRunning(s.workload.sweep));
  const liveStates = controlStatesOf({
    phase: status.phase,
    pending,
    restartStep,
    url: status.url,
    inFlightJobs,
    changed: status.phase === 'listening' ? changedSettings(form, status.settings) : [],
    formValidation: validation,
  });
  const ownStates = isComparing ? duringComparison(liveStates) : isSweeping ? duringSweep(liveStates) : liveStates;
  const states = isReplay ? duringReplay(ownStates) : ownStates;
  // As typed first; else what the server refused, on the field it named.
  const settingsError = !validation.ok ? { field: validation.field, text: validation.error } : fieldError;

  return (
    <section className={isReplay ? 'controls panel is-replay' : 'controls panel'} aria-label="Server controls">
      {isReplay && (
        <p className="replay-controls-note" data-testid="replay-controls-note">
          {REPLAY_OPEN_REASON}
        </p>
      )}
      <form
        className="control-group settings-group"
        onFocus={(event) => {
          if (isSettingsInput(event.target)) setFormFocused(true);
        }}
        onBlur={(event) => {
          if (isSettingsInput(event.target)) setFormFocused(false);
        }}
        onSubmit={(event) => {
          event.preventDefault();
          if (states.start.reason === null) void actions.startServer();
          else actions.explain(states.start.reason);
        }}
      >
        {FORM_SETTING_NAMES.filter((name) => name !== 'strategy').map((name) => (
          <SettingField key={name} name={name} errorMessageId={settingsError?.field === name ? settingsMessageId : null} />
        ))}
        <StrategySelect state={states.strategy} />
        <div className="buttons">
          <ActionButton state={states.start} label="Start server" isSubmit keepsBoldWidth onAct={() => void actions.startServer()} />
          <ActionButton
            state={states.stop}
            label="Stop server"
            hint={showBookTerms ? BOOK_TOOLTIPS.stop : undefined}
            onAct={() => void actions.stopServer()}
          />
        </div>
        {/* One line, always there: what is wrong with the settings, or what waits for a restart, and the restart itself. */}
        <div className="control-message">
          <p id={settingsMessageId} className="field-error" data-testid="settings-error" aria-live="polite">
            {settingsError?.text ?? ''}
          </p>
          {settingsError === null && states.restartHint !== null && (
            <p className="restart-hint" data-testid="restart-hint" aria-live="polite">
              {states.restartHint}
            </p>
          )}
          {states.restart.isShown && (
            <ActionButton
              state={states.restart}
              label={states.restart.label}
              isSmall
              testId="restart-button"
              onAct={() => void actions.restartServer()}
            />
          )}
        </div>
      </form>
      <BurstControls fire={states.fire} />
      <MessageStack />
    </section>
  );
}
