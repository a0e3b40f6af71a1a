// The pieces the Run load and Sweep… forms share: a labelled field whose reason, when it has one, sits right
// under it (aria-invalid, aria-describedby), the arrivals choice, and a button that stays focusable and says
// why when it cannot act.

import { type ReactNode, useId } from 'react';
import type { ArrivalProcess } from '../../shared/load-settings';

export interface FormFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(text: string): void;
  /** What is wrong with the value, or null. */
  error: string | null;
  /** The field names this hook (`data-field`), as validateLoadSettings names it. */
  field: string;
  testIdPrefix: string;
  isWide?: boolean;
  hint?: string;
}

export function FormField({ id, label, value, onChange, error, field, testIdPrefix, isWide = false, hint }: FormFieldProps): ReactNode {
  const errorId = useId();
  return (
    <div className={`field workload-field ${isWide ? 'wide' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        autoComplete="off"
        spellCheck={false}
        value={value}
        title={hint}
        aria-invalid={error !== null || undefined}
        aria-describedby={error !== null ? errorId : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      <p
        id={errorId}
        className="field-error workload-field-error"
        data-testid={`${testIdPrefix}-error`}
        data-field={field}
        aria-live="polite"
      >
        {error ?? ''}
      </p>
    </div>
  );
}

export function ArrivalsField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: ArrivalProcess;
  onChange(value: ArrivalProcess): void;
}): ReactNode {
  return (
    <div className="field workload-field">
      <label htmlFor={id}>Arrivals</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as ArrivalProcess)}>
        <option value="poisson">Poisson</option>
        <option value="constant">constant</option>
      </select>
      <p className="field-error workload-field-error" />
    </div>
  );
}

export interface GuardedButtonProps {
  label: string;
  /** Why it cannot act now, or null when it can. */
  reason: string | null;
  isBusy?: boolean;
  look?: 'primary' | 'secondary' | 'danger';
  isSubmit?: boolean;
  onAct(): void;
  /** Said (e.g. under the form) when a click cannot act. */
  onRefused(reason: string): void;
  testId?: string;
}

export function GuardedButton({
  label,
  reason,
  isBusy = false,
  look = 'secondary',
  isSubmit = false,
  onAct,
  onRefused,
  testId,
}: GuardedButtonProps): ReactNode {
  return (
    <button
      type={isSubmit ? 'submit' : 'button'}
      className={look}
      aria-disabled={reason !== null || undefined}
      aria-busy={isBusy || undefined}
      title={reason ?? undefined}
      data-testid={testId}
      onClick={(event) => {
        if (reason !== null) {
          event.preventDefault();
          onRefused(reason);
        } else if (!isSubmit) onAct();
      }}
    >
      {label}
    </button>
  );
}
