// Settings and the four commands. Inputs are validated as the person types (the reason shows inline)
// but buttons stay enabled: a click with bad input explains itself in the alert instead of doing nothing.

import type { ReactNode } from 'react';
import { BURST_LIMITS, SETTINGS_LIMITS } from '../../shared/commands';
import { useAppStore } from '../store/use-app-store';
import type { EditableSettingsField } from '../store/view-slice';

interface FieldProps {
  id: string;
  label: string;
  value: string;
  min: number;
  max: number;
  onChange(text: string): void;
  className?: string;
  isInvalid?: boolean;
}

function NumberField({ id, label, value, min, max, onChange, className, isInvalid }: FieldProps): ReactNode {
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        spellCheck={false}
        value={value}
        aria-invalid={isInvalid || undefined}
        title={`${min}–${max}`}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

function fieldOfError(error: string): EditableSettingsField | null {
  if (error.startsWith('Pool size')) return 'workerCount';
  if (error.startsWith('Port')) return 'port';
  if (error.startsWith('Sleep')) return 'sleepMs';
  return null;
}

export function Controls(): ReactNode {
  const form = useAppStore((s) => s.view.form);
  const validation = useAppStore((s) => s.view.formValidation);
  const sleepBurstCount = useAppStore((s) => s.view.sleepBurstCount);
  const helloBurstCount = useAppStore((s) => s.view.helloBurstCount);
  const pending = useAppStore((s) => s.commands.pending);
  const phase = useAppStore((s) => s.wire.status.phase);
  const viewActions = useAppStore((s) => s.viewActions);
  const actions = useAppStore((s) => s.commandActions);
  const invalidField = validation.ok ? null : fieldOfError(validation.error);
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
        <NumberField
          id="setting-port"
          label="Port"
          value={form.port}
          min={0}
          max={SETTINGS_LIMITS.maxPort}
          isInvalid={invalidField === 'port'}
          onChange={(t) => viewActions.editSettingsField('port', t)}
        />
        <NumberField
          id="setting-pool-size"
          label="Pool size"
          value={form.workerCount}
          min={SETTINGS_LIMITS.minWorkerCount}
          max={SETTINGS_LIMITS.maxWorkerCount}
          isInvalid={invalidField === 'workerCount'}
          onChange={(t) => viewActions.editSettingsField('workerCount', t)}
        />
        <NumberField
          id="setting-sleep-ms"
          label="Sleep (ms)"
          value={form.sleepMs}
          min={0}
          max={SETTINGS_LIMITS.maxSleepMs}
          isInvalid={invalidField === 'sleepMs'}
          onChange={(t) => viewActions.editSettingsField('sleepMs', t)}
        />
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
        <NumberField
          id="burst-sleep-count"
          label="Burst size"
          value={sleepBurstCount}
          min={BURST_LIMITS.minCount}
          max={BURST_LIMITS.maxCount}
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
        <NumberField
          id="burst-hello-count"
          label="GET / count"
          value={helloBurstCount}
          min={BURST_LIMITS.minCount}
          max={BURST_LIMITS.maxCount}
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
