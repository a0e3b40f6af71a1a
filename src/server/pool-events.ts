// Where the pool's facts become ServerEvents: the one place their times are stamped on the event clock and
// a job's outcome becomes the HTTP status its job-finished event reports. The pool itself knows neither.

import type { EventStream } from './event-stream';
import type { StrategyObserver } from './pool/job-runner';
import type { JobAbandonReason, JobRunOutcome, PoolWorkerExitReason } from './pool/observer';
import type { RouteOutput } from './routes';

/** The status a job's response carries: the route's own, or 500 for a job that failed. */
export function statusOfOutcome(outcome: JobRunOutcome<RouteOutput>): number {
  return outcome.ok ? outcome.output.status : 500;
}

/**
 * Observes a pool (of any strategy) for an event stream: the pool reports while the stream has subscribers, and only then;
 * each fact becomes an event only when some subscriber wants that type.
 */
export class PoolEventReporter implements StrategyObserver<RouteOutput> {
  private readonly wants: EventStream['wants'];

  constructor(private readonly events: EventStream) {
    this.wants = events.wants;
  }

  /**
   * A wait that ended at `atMs` and is stamped at `at`: later, when events were emitted since. It grows by as much,
   * so it stays the time from its job-queued event.
   */
  private waitStampedAt(at: number, atMs: number, waitMs: number): number {
    return waitMs + (at - this.events.atOf(atMs));
  }

  get isObserving(): boolean {
    return this.events.isObserved;
  }

  jobQueued(requestId: number, queueDepth: number, atMs: number): void {
    if (!this.wants['job-queued']) return;
    this.events.emit({ type: 'job-queued', at: this.events.atOf(atMs), requestId, queueDepth });
  }

  jobStarted(requestId: number, workerId: number, waitMs: number, queueDepth: number, atMs: number): void {
    if (!this.wants['job-started']) return;
    // Stamped at the worker's claim, which the pool may learn of late.
    const at = this.events.atOfPast(atMs);
    this.events.emit({ type: 'job-started', at, requestId, workerId, waitMs: this.waitStampedAt(at, atMs, waitMs), queueDepth });
  }

  jobFinished(requestId: number, outcome: JobRunOutcome<RouteOutput>, atMs: number): void {
    if (!this.wants['job-finished']) return;
    const at = this.events.atOfPast(atMs);
    this.events.emit({
      type: 'job-finished',
      at,
      requestId,
      workerId: outcome.workerId,
      runMs: outcome.runMs,
      status: statusOfOutcome(outcome),
    });
  }

  jobAbandoned(requestId: number, reason: JobAbandonReason, waitMs: number, queueDepth: number, atMs: number): void {
    if (!this.wants['job-abandoned']) return;
    // A worker may have found the job expired (while let), which the pool may learn of late.
    const at = this.events.atOfPast(atMs);
    this.events.emit({ type: 'job-abandoned', at, requestId, reason, waitMs: this.waitStampedAt(at, atMs, waitMs), queueDepth });
  }

  workerSpawned(workerId: number, atMs: number): void {
    if (!this.wants['worker-spawned']) return;
    this.events.emit({ type: 'worker-spawned', at: this.events.atOf(atMs), workerId });
  }

  workerStopping(workerId: number, atMs: number): void {
    if (!this.wants['worker-stopping']) return;
    this.events.emit({ type: 'worker-stopping', at: this.events.atOf(atMs), workerId });
  }

  workerExited(workerId: number, reason: PoolWorkerExitReason, exitCode: number, atMs: number): void {
    if (!this.wants['worker-exited']) return;
    this.events.emit({ type: 'worker-exited', at: this.events.atOf(atMs), workerId, reason, exitCode });
  }

  workerReplaced(workerId: number, atMs: number): void {
    if (!this.wants['worker-replaced']) return;
    this.events.emit({ type: 'worker-replaced', at: this.events.atOf(atMs), workerId });
  }

  threadStarted(workerId: number, requestId: number, startupMs: number, liveThreadCount: number, atMs: number): void {
    if (!this.wants['thread-started']) return;
    this.events.emit({ type: 'thread-started', at: this.events.atOfPast(atMs), workerId, requestId, startupMs, liveThreadCount });
  }

  threadExited(workerId: number, exitCode: number, liveThreadCount: number, atMs: number): void {
    if (!this.wants['thread-exited']) return;
    this.events.emit({ type: 'thread-exited', at: this.events.atOf(atMs), workerId, exitCode, liveThreadCount });
  }

  lockWaiting(workerId: number, atMs: number): void {
    if (!this.wants['lock-waiting']) return;
    this.events.emit({ type: 'lock-waiting', at: this.events.atOfPast(atMs), workerId });
  }

  lockAcquired(workerId: number, waitMs: number, atMs: number): void {
    if (!this.wants['lock-acquired']) return;
    this.events.emit({ type: 'lock-acquired', at: this.events.atOfPast(atMs), workerId, waitMs });
  }

  lockReleased(workerId: number, heldMs: number, atMs: number): void {
    if (!this.wants['lock-released']) return;
    this.events.emit({ type: 'lock-released', at: this.events.atOfPast(atMs), workerId, heldMs });
  }
}
