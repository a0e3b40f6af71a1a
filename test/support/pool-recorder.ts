// Records what a ThreadPool tells its observer, one fact per call, named like the events the server makes of
// them, so pool tests read like the server's; lets a test wait for a condition on the facts instead of sleeping.

import type { JobAbandonReason, JobRunOutcome, PoolObserver, PoolWorkerExitReason } from '../../src/server/pool/observer';
import { Changes } from './changes';

/** One observer call; `at` is the pool's performance.now() reading. */
export type PoolFact<Out> =
  | { type: 'job-queued'; at: number; requestId: number; queueDepth: number }
  | { type: 'job-started'; at: number; requestId: number; workerId: number; waitMs: number; queueDepth: number }
  | { type: 'job-finished'; at: number; requestId: number; workerId: number; runMs: number; outcome: JobRunOutcome<Out> }
  | { type: 'job-abandoned'; at: number; requestId: number; reason: JobAbandonReason; waitMs: number; queueDepth: number }
  | { type: 'worker-spawned'; at: number; workerId: number }
  | { type: 'worker-stopping'; at: number; workerId: number }
  | { type: 'worker-exited'; at: number; workerId: number; reason: PoolWorkerExitReason; exitCode: number }
  | { type: 'worker-replaced'; at: number; workerId: number };

type FactType = PoolFact<unknown>['type'];
type FactOf<Out, T extends FactType> = Extract<PoolFact<Out>, { type: T }>;

export class PoolRecorder<Out> implements PoolObserver<Out> {
  isObserving = true;
  readonly events: PoolFact<Out>[] = [];
  private readonly changes = new Changes();

  of<T extends FactType>(type: T): FactOf<Out, T>[] {
    return this.events.filter((e): e is FactOf<Out, T> => e.type === type);
  }

  count<T extends FactType>(type: T, filter: (e: FactOf<Out, T>) => boolean = () => true): number {
    return this.of(type).filter(filter).length;
  }

  /** Waits until `predicate` holds over the recorded facts (the test's own timeout bounds it). */
  until(predicate: (recorder: PoolRecorder<Out>) => boolean): Promise<void> {
    return this.changes.until(() => predicate(this));
  }

  jobQueued(requestId: number, queueDepth: number, at: number): void {
    this.record({ type: 'job-queued', at, requestId, queueDepth });
  }

  jobStarted(requestId: number, workerId: number, waitMs: number, queueDepth: number, at: number): void {
    this.record({ type: 'job-started', at, requestId, workerId, waitMs, queueDepth });
  }

  jobFinished(requestId: number, outcome: JobRunOutcome<Out>, at: number): void {
    this.record({ type: 'job-finished', at, requestId, workerId: outcome.workerId, runMs: outcome.runMs, outcome });
  }

  jobAbandoned(requestId: number, reason: JobAbandonReason, waitMs: number, queueDepth: number, at: number): void {
    this.record({ type: 'job-abandoned', at, requestId, reason, waitMs, queueDepth });
  }

  workerSpawned(workerId: number, at: number): void {
    this.record({ type: 'worker-spawned', at, workerId });
  }

  workerStopping(workerId: number, at: number): void {
    this.record({ type: 'worker-stopping', at, workerId });
  }

  workerExited(workerId: number, reason: PoolWorkerExitReason, exitCode: number, at: number): void {
    this.record({ type: 'worker-exited', at, workerId, reason, exitCode });
  }

  workerReplaced(workerId: number, at: number): void {
    this.record({ type: 'worker-replaced', at, workerId });
  }

  private record(fact: PoolFact<Out>): void {
    this.events.push(fact);
    this.changes.notify();
  }
}
