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

/** One text field of a workload form: which form field it edits, its input id and label. */
export interface WorkloadFieldSpec<F extends string> {
  field: F;
  id: string;
  label: string;
  isWide?: boolean;
  hint?: string;
}

export interface WorkloadFormProps<F extends string> {
  /** `load` or `sweep`: prefixes the hooks (`load-error`) and the arrivals input's id (`load-arrivals`). */
  kind: 'load' | 'sweep';
  fields: ReadonlyArray<WorkloadFieldSpec<F>>;
  values: Record<F, string> & { arrivals: ArrivalProcess };
  /** The field to mark and its reason (as typed, or as the main side refused it), or null. */
  fieldError: { field: string; text: string } | null;
  onEdit(field: F | 'arrivals', value: string): void;
  run: { label: string; reason: string | null; isBusy: boolean; onAct(): void };
  cancel: { label: string; reason: string | null; isBusy: boolean; onAct(): void };
  onRefused(reason: string): void;
}

/** The Run load and Sweep… forms: their fields, the arrivals choice, and the run and cancel buttons. */
export function WorkloadForm<F extends string>({
  kind,
  fields,
  values,
  fieldError,
  onEdit,
  run,
  cancel,
  onRefused,
}: WorkloadFormProps<F>): ReactNode {
  return (
    <form
      className="workload-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (run.reason === null) run.onAct();
        else onRefused(run.reason);
      }}
    >
      {fields.map(({ field, id, label, isWide, hint }) => (
        <FormField
          key={field}
          id={id}
          label={label}
          value={values[field]}
          field={field}
          testIdPrefix={kind}
          isWide={isWide}
          hint={hint}
          error={fieldError?.field === field ? fieldError.text : null}
          onChange={(text) => onEdit(field, text)}
        />
      ))}
      <ArrivalsField id={`${kind}-arrivals`} value={values.arrivals} onChange={(value) => onEdit('arrivals', value)} />
      <div className="buttons">
        <GuardedButton
          label={run.label}
          look="primary"
          isSubmit
          reason={run.reason}
          isBusy={run.isBusy}
          onAct={run.onAct}
          onRefused={onRefused}
        />
        <GuardedButton
          label={cancel.label}
          look="danger"
          reason={cancel.reason}
          isBusy={cancel.isBusy}
          onAct={cancel.onAct}
          onRefused={onRefused}
        />
      </div>
    </form>
  );
}
