// Run load: open-loop load at a steady rate against the app's own server, run by the main side. The form is
// checked as it is typed with the validator the main side uses (the reason sits under the field it names);
// live progress shows what was sent and answered, errors by kind, the achieved rate and the latency from
// each request's scheduled send time; Cancel stops it at once.

import type { ReactNode } from 'react';
import { isComparisonRunning, refusalWhileComparing } from '../../shared/compare';
import { isSweepRunning, type LoadActivity, refusalWhileSweeping } from '../../shared/live-metrics';
import { type LatencySummary, LOAD_ERROR_KINDS, LOAD_ERROR_LABELS } from '../../shared/load-report';
import { formatMix } from '../../shared/load-settings';
import { useAppStore } from '../store/use-app-store';
import { checkLoadForm, type LoadFormField } from '../store/workload-slice';
import { formatCount, formatDurationMs, formatRate } from './format';
import { type WorkloadFieldSpec, WorkloadForm } from './workload-form';

const LOAD_FIELDS: ReadonlyArray<WorkloadFieldSpec<Exclude<LoadFormField, 'arrivals'>>> = [
  { field: 'ratePerS', id: 'load-rate', label: 'Rate (req/s)' },
  { field: 'durationS', id: 'load-duration', label: 'Duration (s)' },
  { field: 'mix', id: 'load-mix', label: 'Mix', isWide: true, hint: 'PATH:WEIGHT,… weights summing to 1, e.g. /:0.9,/sleep?ms=50:0.1' },
  { field: 'connections', id: 'load-connections', label: 'Connections' },
];

const PERCENTILES = [
  { key: 'p50Ms', label: 'p50' },
  { key: 'p90Ms', label: 'p90' },
  { key: 'p99Ms', label: 'p99' },
  { key: 'p999Ms', label: 'p99.9' },
  { key: 'maxMs', label: 'max' },
] as const satisfies ReadonlyArray<{ key: keyof LatencySummary; label: string }>;

/**
 * Per second of the schedule so far: the requests written (the rate the server is being offered) and those that came
 * due (the rate the schedule drew, which a Poisson draw lets stray from the rate asked over a short run).
 */
function ratesOf(activity: LoadActivity): { achievedPerS: number; duePerS: number } {
  if (activity.report !== null) return { achievedPerS: activity.report.achievedRatePerS, duePerS: activity.report.dueRatePerS };
  const { written, sent, elapsedMs, durationMs } = activity.progress;
  const scheduleS = Math.min(elapsedMs, durationMs) / 1000;
  return scheduleS > 0 ? { achievedPerS: written / scheduleS, duePerS: sent / scheduleS } : { achievedPerS: 0, duePerS: 0 };
}

function stopText(activity: LoadActivity): string {
  const report = activity.report;
  if (report === null) return activity.progress.phase === 'draining' ? 'Schedule over: waiting for the last answers…' : 'Running…';
  switch (report.stop.reason) {
    case 'completed':
      return `Finished: the ${formatRate(activity.settings.durationS)} s schedule ran to its end.`;
    case 'cancelled':
      return 'Cancelled: nothing more was sent.';
    case 'server-gone':
      return `Stopped: ${report.stop.message}`;
  }
}

function LoadProgressView({ activity }: { activity: LoadActivity }): ReactNode {
  const progress = activity.report ?? activity.progress;
  const latency = activity.report?.latency ?? activity.progress.latency;
  const phase = activity.report !== null ? 'done' : activity.progress.phase;
  const { achievedPerS: achieved, duePerS } = ratesOf(activity);
  const achievedHint = `Requests written per second of the schedule, of those that came due: ${
    activity.settings.arrivals === 'poisson'
      ? `random arrivals stray from the ${formatRate(activity.settings.ratePerS)}/s asked over a short run, and the client is judged by what its schedule drew`
      : 'constant arrivals come due at the rate asked'
  }`;
  const errorKinds = LOAD_ERROR_KINDS.filter((kind) => progress.errorsByKind[kind] > 0);
  const elapsedShare = Math.min(1, activity.progress.elapsedMs / Math.max(1, activity.progress.durationMs));
  return (
    <div
      className="load-progress"
      data-testid="load-progress"
      data-phase={phase}
      data-sent={progress.sent}
      data-completed={progress.completed}
      data-errors={progress.errors}
      data-unfinished={progress.unfinished}
      data-achieved-rate={achieved.toFixed(1)}
      data-due-rate={duePerS.toFixed(1)}
      data-p99-ms={latency?.p99Ms ?? ''}
    >
      <p className="load-summary">
        {formatRate(activity.settings.ratePerS)}/s {activity.settings.arrivals} of {formatMix(activity.settings.mix)} for{' '}
        {formatRate(activity.settings.durationS)} s, seed {activity.settings.seed ?? '—'}
      </p>
      <progress max={1} value={elapsedShare} aria-label="Share of the schedule run" />
      <dl className="load-counts">
        <div>
          {/* What the schedule asked for so far: those still waiting for a connection were not written yet. */}
          <dt title="Came due on the schedule: completed, errors, in flight and waiting for a connection">Due</dt>
          <dd>{formatCount(progress.sent)}</dd>
        </div>
        <div>
          <dt>Completed</dt>
          <dd>{formatCount(progress.completed)}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd className={progress.errors > 0 ? 'tone-bad' : undefined}>{formatCount(progress.errors)}</dd>
        </div>
        <div>
          <dt>In flight</dt>
          <dd>{formatCount(progress.inFlight)}</dd>
        </div>
        <div>
          <dt title="Due, waiting client-side for a free connection (counted in latency)">Waiting</dt>
          <dd>{formatCount(progress.waitingForConnection)}</dd>
        </div>
        {progress.unfinished > 0 && (
          // A stopped run's requests without an outcome: without them Due would not add up to what is shown.
          <div data-testid="load-unfinished">
            <dt title="Due, but without an answer or an error when the run stopped">Unfinished</dt>
            <dd>{formatCount(progress.unfinished)}</dd>
          </div>
        )}
        <div>
          <dt title={achievedHint}>Achieved</dt>
          <dd>
            {formatRate(achieved)}/s of {formatRate(duePerS)}/s due
          </dd>
        </div>
      </dl>
      <table className="load-latency">
        <caption>Latency from each request's scheduled send time</caption>
        <thead>
          <tr>
            {PERCENTILES.map((p) => (
              <th key={p.key} scope="col">
                {p.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {PERCENTILES.map((p) => (
              <td key={p.key} data-stat={p.label}>
                {formatDurationMs(latency?.[p.key])}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      {errorKinds.length > 0 && (
        <ul className="load-error-kinds" aria-label="Errors by kind">
          {errorKinds.map((kind) => (
            <li key={kind} data-testid="load-error-kind" data-kind={kind}>
              {LOAD_ERROR_LABELS[kind]}: {formatCount(progress.errorsByKind[kind])}
            </li>
          ))}
        </ul>
      )}
      <p className="load-stop" aria-live="polite">
        {stopText(activity)}
      </p>
    </div>
  );
}

export function LoadPanel(): ReactNode {
  const form = useAppStore((s) => s.workload.loadForm);
  const refusal = useAppStore((s) => s.workload.loadRefusal);
  const loadError = useAppStore((s) => s.workload.loadError);
  const pending = useAppStore((s) => s.workload.pending);
  const activity = useAppStore((s) => s.workload.load);
  const sweep = useAppStore((s) => s.workload.sweep);
  const isSweepOpen = useAppStore((s) => s.workload.isSweepOpen);
  const isCompareOpen = useAppStore((s) => s.compare.isOpen);
  const isComparing = useAppStore((s) => isComparisonRunning(s.compare.activity));
  const setCompareOpen = useAppStore((s) => s.compareActions.setOpen);
  const phase = useAppStore((s) => s.wire.status.phase);
  const actions = useAppStore((s) => s.workloadActions);

  const check = checkLoadForm(form);
  const fieldError = !check.ok ? { field: check.field, text: check.error } : refusal;
  const isRunning = activity !== null && activity.report === null;
  const isSweeping = isSweepRunning(sweep);
  const runReason = isRunning
    ? 'A load is already running'
    : isSweeping
      ? refusalWhileSweeping('start-load')
      : isComparing
        ? refusalWhileComparing('start-load')
        : phase !== 'listening'
          ? 'Start the server first: the load goes to its own address'
          : !check.ok
            ? check.error
            : null;

  return (
    <section className="load-panel panel" aria-label="Run load" data-testid="load-panel">
      <div className="panel-head">
        <h2>Run load</h2>
        <span className="panel-head-buttons">
          <button
            type="button"
            className="secondary small"
            aria-expanded={isSweepOpen}
            aria-controls="sweep-panel"
            data-testid="sweep-toggle"
            onClick={() => actions.setSweepOpen(!isSweepOpen)}
          >
            Sweep…
          </button>
          <button
            type="button"
            className="secondary small"
            aria-expanded={isCompareOpen}
            aria-controls="compare-panel"
            data-testid="compare-toggle"
            onClick={() => setCompareOpen(!isCompareOpen)}
          >
            Compare…
          </button>
        </span>
      </div>
      <WorkloadForm
        kind="load"
        fields={LOAD_FIELDS}
        values={form}
        fieldError={fieldError}
        onEdit={(field, value) => actions.editLoadForm(field, value)}
        run={{ label: 'Run load', reason: runReason, isBusy: pending === 'start-load', onAct: () => void actions.startLoad() }}
        cancel={{
          label: 'Cancel load',
          reason: isRunning ? null : 'No load is running',
          isBusy: pending === 'cancel-load',
          onAct: () => void actions.cancelLoad(),
        }}
        onRefused={(reason) => actions.explain('load', reason)}
      />
      <p className="field-error workload-message" data-testid="load-message" aria-live="polite">
        {loadError ?? ''}
      </p>
      {activity === null ? (
        <p className="empty">
          Open-loop: requests arrive on their own schedule whatever the server does, and each is timed from when it was due, so a stalled
          server cannot hide its worst latencies.
        </p>
      ) : (
        <LoadProgressView activity={activity} />
      )}
    </section>
  );
}
