// The queueing panel: λ, S, c, ρ, Lq, L, Wq and W over the main side's sliding window, Little's law checked
// live (L beside λW, Lq beside λWq, and when they differ, the jobs at the window's edges that part them), the
// M/M/c (Erlang C) prediction as a labelled reference with notes where its assumptions are far off, and, at ρ ≥ 1,
// that an open-loop load grows the queue without bound and how fast (other work: that the queue holds what was sent; a
// load whose own rate keeps ρ below 1: that the window's arrivals strayed above it).
// Every figure comes from the main side's QueueingWindow (metrics messages); nothing here reduces events.

import { memo, type ReactNode, useRef } from 'react';
import type { ArrivalProcess } from '../../shared/load-settings';
import { threadNounOf } from '../../shared/pool-model';
import { type LittleEdges, type QueueingReading, readQueueing } from '../../shared/queueing-reading';
import { DEFAULT_QUEUEING_WINDOW_MS, type LittleCheck, type QueueingWindowSnapshot } from '../../shared/queueing-window';
import { useAppStore } from '../store/use-app-store';
import { formatDurationMs, formatRate, pluralize } from './format';

/** A count such as L or Lq: two decimals, which is what Little's law needs to be read. */
function formatJobs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value < 100 ? value.toFixed(2) : formatRate(value);
}

function formatShare(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)} %`;
}

/** Data attributes carry plain numbers for scripts; empty when unknown. */
function attr(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '' : String(Number(value.toFixed(digits)));
}

interface QuantityProps {
  symbol: string;
  name: string;
  value: string;
  hint: string;
  tone?: 'warn' | 'bad';
}

/** Memo: of its eight quantities, a new window's figures usually move a few. */
const Quantity = memo(function Quantity({ symbol, name, value, hint, tone }: QuantityProps): ReactNode {
  return (
    <div className={`quantity ${tone ? `tone-${tone}` : ''}`} title={hint}>
      <dt>
        <span className="symbol">{symbol}</span> {name}
      </dt>
      <dd>{value}</dd>
    </div>
  );
});

function LittleRow({ law, check, left, right }: { law: string; check: LittleCheck; left: string; right: string }): ReactNode {
  return (
    <tr>
      <th scope="row">{law}</th>
      <td>
        {left} = {formatJobs(check.measured)}
      </td>
      <td>
        {right} = {formatJobs(check.predicted)}
      </td>
      <td>
        {check.difference === null
          ? '—'
          : `${check.difference >= 0 ? '+' : '−'}${formatJobs(Math.abs(check.difference))}${
              check.relativeDifference === null ? '' : ` (${(check.relativeDifference * 100).toFixed(1)} %)`
            }`}
      </td>
    </tr>
  );
}

/** Why Little's two sides differ over this window: the law holds over a span that starts and ends empty, and this one did not. */
function LittleEdgesNote({ edges, snapshot }: { edges: LittleEdges; snapshot: QueueingWindowSnapshot }): ReactNode {
  return (
    <p
      className="little-edges muted-text"
      data-testid="little-edges"
      data-in-system-at-start={edges.inSystemAtStart}
      data-in-system-at-end={edges.inSystemAtEnd}
    >
      The window began with {pluralize(edges.inSystemAtStart, 'job')} in the system and ends with {edges.inSystemAtEnd}. The law holds over
      a span that starts and ends empty: a job straddling an edge counts in L for its time inside the window, but in λ only if it arrived
      inside it, and in W only if it left inside it.
      {edges.isStayLongerThanWindow &&
        snapshot.meanTimeInSystemMs !== null &&
        ` Here W (${formatDurationMs(snapshot.meanTimeInSystemMs)}) is longer than the window itself (${formatDurationMs(snapshot.spanMs)}), so the edges weigh heavily.`}
    </p>
  );
}

/** From here up to 1, queues grow long at times and drain slowly (M/M/1's wait at ρ = 0.8 is 4 times its wait at 0.5). */
const NEAR_ONE_UTILIZATION = 0.8;

/**
 * An open-loop load whose own mean rate keeps ρ below 1 but near it: its window's ρ crosses 1 at times, since random
 * arrivals over n of them stray by about 1/√n. One note, shown for as long as the load runs at that rate, whichever
 * side of 1 the window reads: a box that came and went with each crossing would say more than the figures do.
 */
function NearOneLoadNote({
  reading,
  snapshot,
  sendingRatePerS,
  arrivals,
}: {
  reading: QueueingReading;
  snapshot: QueueingWindowSnapshot;
  sendingRatePerS: number;
  arrivals: ArrivalProcess | null;
}): ReactNode {
  const rho = reading.sendingUtilization ?? 0;
  const strayShare = arrivals === 'poisson' && snapshot.arrivals > 0 ? 1 / Math.sqrt(snapshot.arrivals) : null;
  const stray =
    strayShare === null
      ? ''
      : ` Over ${snapshot.arrivals.toLocaleString('en-US')} random arrivals a window's λ strays by about ±${Math.round(strayShare * 100)} % (1/√n).`;
  const ownRate = `${formatRate(sendingRatePerS)}/s the load sends on average`;
  const nearOne = 'this close to 1 it grows long at times and drains slowly';
  return reading.isOverloaded ? (
    <p className="queueing-overload is-near-one" data-testid="queueing-overload" data-sending-rho={attr(rho)} role="status">
      ρ ≥ 1 over this window, not at the load's own rate: arrivals came at {formatRate(snapshot.arrivalRatePerS)}/s in these{' '}
      {formatDurationMs(snapshot.spanMs)}, above the {ownRate}, at which ρ = {rho.toFixed(2)}.{stray} Below 1 the queue does not grow
      without bound{rho >= NEAR_ONE_UTILIZATION ? `; ${nearOne}.` : '.'}
    </p>
  ) : (
    // Shown only at NEAR_ONE_UTILIZATION or more.
    <p className="queueing-overload is-near-one" data-testid="queueing-near-one" data-sending-rho={attr(rho)} role="status">
      At the {ownRate}, ρ = {rho.toFixed(2)}: below 1 the queue does not grow without bound, but {nearOne}, and a window's ρ can read 1 or
      more at times.{stray}
    </p>
  );
}

/**
 * What ρ means for the queue: a sending load just under 1 (NearOneLoadNote); at ρ ≥ 1 over the window, an open-loop
 * load that keeps sending grows it without bound; other work (a burst, a browser, a closed-loop client, a load that has
 * ended) only leaves it holding what was sent. Nothing under ρ = 1 otherwise.
 */
function OverloadNote({
  reading,
  snapshot: s,
  sendingRatePerS,
  arrivals,
  threadNoun,
}: {
  reading: QueueingReading;
  snapshot: QueueingWindowSnapshot;
  sendingRatePerS: number | null;
  arrivals: ArrivalProcess | null;
  threadNoun: string;
}): ReactNode {
  if (sendingRatePerS !== null && reading.sendingUtilization !== null && reading.sendingUtilization < 1) {
    if (!reading.isOverloaded && reading.sendingUtilization < NEAR_ONE_UTILIZATION) return null;
    return <NearOneLoadNote reading={reading} snapshot={s} sendingRatePerS={sendingRatePerS} arrivals={arrivals} />;
  }
  if (!reading.isOverloaded) return null;
  if (sendingRatePerS !== null && (reading.measuredGrowthPerS > 0 || s.queueLength > s.busyWorkers)) {
    return (
      <p className="queueing-overload" data-testid="queueing-overload" role="status">
        ρ ≥ 1: work arrives faster than {pluralize(s.workers ?? 0, threadNoun)} can do it, so the queue grows without bound — by about{' '}
        {formatRate(Math.max(0, reading.measuredGrowthPerS))} jobs/s measured (theory λ − c/S ={' '}
        {formatRate(reading.predictedGrowthPerS ?? 0)}/s) until the queue limit answers 503, which then show among the load's errors.
      </p>
    );
  }
  // Work that came and is not kept coming: the queue holds what was sent and drains; only steady open-loop arrivals at
  // this rate would grow it without bound.
  return (
    <p className="queueing-overload" data-testid="queueing-overload" data-drained={s.queueLength === 0 ? '1' : undefined} role="status">
      ρ ≥ 1 over the window: this work came faster than {pluralize(s.workers ?? 0, threadNoun)} can do it,{' '}
      {s.queueLength === 0
        ? 'as a burst does, and the queue has emptied since.'
        : `but nothing keeps sending it whatever the server does (a burst, a browser, a client that waits for each answer, a load that has ended), so the queue holds what was sent and not yet answered: ${s.queueLength.toLocaleString('en-US')} waiting now.`}{' '}
      Arriving steadily at this rate, it would grow without bound by λ − c/S = {formatRate(reading.predictedGrowthPerS ?? 0)} jobs/s.
    </p>
  );
}

function stateOf(snapshot: QueueingWindowSnapshot | null, isOverloaded: boolean): 'idle' | 'stable' | 'overloaded' {
  if (snapshot === null || (snapshot.arrivals === 0 && snapshot.completions === 0)) return 'idle';
  return isOverloaded ? 'overloaded' : 'stable';
}

export function QueueingPanel(): ReactNode {
  const snapshot = useAppStore((s) => s.workload.queueing);
  const load = useAppStore((s) => s.workload.load);
  const sweep = useAppStore((s) => s.workload.sweep);
  const strategy = useAppStore((s) => s.wire.strategy);
  // The open-loop load whose arrivals the window holds: one running, or one that ended less than a window ago (its
  // figures stay on screen for that long, and they are still its arrivals, not some other traffic's).
  const loadEndedAt = load?.report ? load.report.startedAt + load.report.elapsedMs : null;
  const isSweeping = sweep !== null && sweep.phase === 'running';
  const arrivals =
    load !== null && (loadEndedAt === null || (snapshot !== null && snapshot.at - loadEndedAt < snapshot.spanMs))
      ? load.settings.arrivals
      : isSweeping
        ? sweep.settings.load.arrivals
        : null;
  // Only an open-loop load still sending keeps work coming whatever the server does: only it can grow the queue without
  // bound. Once its schedule is over it is draining: it waits for the answers to what it sent, and sends nothing more.
  const isLoadSending = load !== null && load.report === null && load.progress.phase === 'running';
  const isSweepSending = isSweeping && sweep.load?.phase === 'running';
  const sendingRatePerS = isLoadSending ? load.settings.ratePerS : isSweepSending ? sweep.settings.load.ratePerS : null;

  // When Little's gap was last wide enough to explain: the explanation stays for a window after, so a gap hovering
  // about the threshold under steady load does not make the note come and go with every update.
  const lastVisibleGapAt = useRef(Number.NEGATIVE_INFINITY);

  const windowS = DEFAULT_QUEUEING_WINDOW_MS / 1000;
  if (snapshot === null) {
    return (
      <section
        className="queueing-panel panel"
        aria-label="Utilization, waits and Little’s law"
        data-testid="queueing-panel"
        data-state="idle"
      >
        <div className="panel-head">
          <h2>Queueing</h2>
        </div>
        <p className="empty">Waiting for the first figures from the server…</p>
      </section>
    );
  }
  const reading = readQueueing(snapshot, { arrivals, sendingRatePerS });
  // c counts the threads that run jobs, named as the Workers panel names them.
  const threadNoun = threadNounOf(strategy);
  const theory = reading.theory;
  const state = stateOf(snapshot, reading.isOverloaded);
  const s = snapshot;
  const edges = reading.littleEdges;
  if (edges?.isGapVisible) lastVisibleGapAt.current = s.at;
  const isEdgesNoteShown = edges !== null && s.at - lastVisibleGapAt.current < DEFAULT_QUEUEING_WINDOW_MS;
  return (
    <section
      className="queueing-panel panel"
      aria-label="Utilization, waits and Little’s law"
      data-testid="queueing-panel"
      data-state={state}
      data-lambda={attr(s.arrivalRatePerS)}
      data-service-ms={attr(s.meanServiceMs)}
      data-workers={s.workers ?? ''}
      data-rho={attr(s.utilization)}
      data-busy-fraction={attr(s.busyFraction)}
      data-lq={attr(s.meanQueueLength)}
      data-l={attr(s.meanInSystem)}
      data-wq-ms={attr(s.meanWaitMs)}
      data-w-ms={attr(s.meanTimeInSystemMs)}
      data-little-l={attr(s.little.inSystem.measured)}
      data-little-lambda-w={attr(s.little.inSystem.predicted)}
      data-little-lq={attr(s.little.waiting.measured)}
      data-little-lambda-wq={attr(s.little.waiting.predicted)}
      data-measured-p-wait={attr(s.probabilityOfWait)}
      data-theory-p-wait={theory?.isStable ? attr(theory.probabilityOfWait) : theory ? '1' : ''}
      data-theory-wq-ms={theory?.isStable ? attr(theory.meanWaitMs) : ''}
      data-growth-per-s={attr(reading.predictedGrowthPerS)}
      data-measured-growth-per-s={attr(reading.measuredGrowthPerS)}
      data-queue-length={s.queueLength}
    >
      <div className="panel-head">
        <h2>Queueing</h2>
        <span className="count">last {windowS} s</span>
      </div>
      <dl className="quantities">
        <Quantity
          symbol="λ"
          name="arrivals"
          value={`${formatRate(s.arrivalRatePerS)}/s`}
          hint="Jobs the pool accepted per second (503s for a full queue are counted apart)"
        />
        <Quantity
          symbol="S"
          name="service"
          value={formatDurationMs(s.meanServiceMs)}
          hint="Mean time a job held its worker, start to finish"
        />
        <Quantity
          symbol="c"
          name={`${threadNoun}s`}
          value={s.workers === null ? '—' : String(s.workers)}
          hint="Jobs that can run at once: the pool size; 1 for the single thread and for the while-let pool, whose lock is held while a job runs; the thread limit for a thread per request"
        />
        <Quantity
          symbol="ρ"
          name="utilization"
          value={s.utilization === null ? '—' : s.utilization.toFixed(2)}
          hint={`ρ = λS/c; measured busy share ${formatShare(s.busyFraction)}`}
          tone={
            s.utilization !== null && s.utilization >= 1
              ? 'bad'
              : s.utilization !== null && s.utilization >= NEAR_ONE_UTILIZATION
                ? 'warn'
                : undefined
          }
        />
        <Quantity symbol="Lq" name="waiting" value={formatJobs(s.meanQueueLength)} hint="Time-average number of jobs in the queue" />
        <Quantity symbol="L" name="in system" value={formatJobs(s.meanInSystem)} hint="Time-average number of jobs waiting or running" />
        <Quantity
          symbol="Wq"
          name="wait"
          value={formatDurationMs(s.meanWaitMs)}
          hint="Mean time a job waited in the queue (jobs finished in the window)"
        />
        <Quantity symbol="W" name="in system" value={formatDurationMs(s.meanTimeInSystemMs)} hint="Mean time from queued to finished" />
      </dl>
      <OverloadNote reading={reading} snapshot={s} sendingRatePerS={sendingRatePerS} arrivals={arrivals} threadNoun={threadNoun} />
      {s.rejected > 0 && (
        <p className="queueing-overload" data-testid="queueing-refused" data-refused={s.rejected} role="status">
          {s.rejected.toLocaleString('en-US')} {s.rejected === 1 ? 'request' : 'requests'} refused with 503 in the window: the queue was
          full ({formatRate(reading.refusedPerS)}/s). λ, ρ and the theory count only the jobs the pool took
          {reading.offeredUtilization === null
            ? '.'
            : `; for all the traffic offered, ${formatRate(s.arrivalRatePerS + reading.refusedPerS)}/s, ρ would be ${reading.offeredUtilization.toFixed(2)}.`}
        </p>
      )}
      <table className="little-table">
        <caption>Little's law, checked live</caption>
        <thead>
          <tr>
            <th scope="col">Law</th>
            <th scope="col">Measured</th>
            <th scope="col">Predicted</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          <LittleRow law="L = λW" check={s.little.inSystem} left="L" right="λW" />
          <LittleRow law="Lq = λWq" check={s.little.waiting} left="Lq" right="λWq" />
        </tbody>
      </table>
      {isEdgesNoteShown && <LittleEdgesNote edges={edges} snapshot={s} />}
      <div className="theory" data-testid="queueing-theory">
        <h3>M/M/c (Erlang C) theory for this λ, S and c</h3>
        {theory === null ? (
          <p className="muted-text">No job has finished in the window yet: no S to predict from.</p>
        ) : s.arrivals === 0 ? (
          // λ = 0 predicts no wait at all, beside the measured waits of jobs that arrived before the window.
          <p className="muted-text">No job arrived in the window: with λ = 0 the theory has nothing to predict.</p>
        ) : theory.isStable ? (
          <p>
            P(wait) {formatShare(theory.probabilityOfWait)}{' '}
            <span className="muted-text">(measured {formatShare(s.probabilityOfWait)})</span>
            {' · '}Wq {formatDurationMs(theory.meanWaitMs)} <span className="muted-text">(measured {formatDurationMs(s.meanWaitMs)})</span>
          </p>
        ) : (
          <p>
            Unstable at ρ = {theory.utilization.toFixed(2)}: for steady arrivals at this λ, every job would wait, and the wait would grow
            without bound.
          </p>
        )}
        {reading.notes.length > 0 && (
          <ul className="theory-notes">
            {reading.notes.map((note) => (
              <li key={note} data-testid="queueing-note">
                {note}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
