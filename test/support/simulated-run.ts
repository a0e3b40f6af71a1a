// A FIFO thread pool simulated in virtual time, emitting the events the real server emits in the same
// order (workers spawn, listen, requests arrive, queue, start on the first free worker, finish, get their
// response, or wait too long and are answered 503; then the graceful shutdown). Lets exporter tests run any number of runs without sleeping.

import type { ServerEvent } from '../../src/shared/events';
import { listeningEvent } from './sample-events';

export interface SimulatedJob {
  /** ms after the previous request's arrival */
  gapMs: number;
  runMs: number;
  path: string;
}

export interface SimulatedRun {
  workerCount: number;
  jobs: SimulatedJob[];
  startAt: number;
  /** The first request id (a second run of a server starts at 1 again). */
  firstRequestId?: number;
  /** A job that would wait this long is abandoned instead (job-abandoned, then a 503); absent: no limit. */
  maxWaitMs?: number;
}

/** Small fixed costs between steps, so the events keep the order the server emits them in. */
const STEP_MS = 0.01;

export function simulateRun({ workerCount, jobs, startAt, firstRequestId = 1, maxWaitMs = Infinity }: SimulatedRun): ServerEvent[] {
  const timed: Array<{ event: ServerEvent; order: number }> = [];
  let order = 0;
  const push = (event: ServerEvent) => timed.push({ event, order: order++ });
  let at = startAt;
  const tick = (): number => {
    at += STEP_MS;
    return at;
  };
  for (let workerId = 0; workerId < workerCount; workerId++) push({ type: 'worker-spawned', at: tick(), workerId });
  push(listeningEvent(tick(), { workerCount, sleepMs: 100, maxWaitMs: maxWaitMs === Infinity ? 0 : Math.round(maxWaitMs) }));

  const freeAt = Array.from({ length: workerCount }, () => at);
  let arrival = at;
  let lastAt = at;
  jobs.forEach((job, i) => {
    const requestId = firstRequestId + i;
    arrival += job.gapMs + 3 * STEP_MS;
    const receivedAt = arrival;
    const queuedAt = receivedAt + STEP_MS;
    // FIFO: the worker free soonest (lowest id on a tie) takes the job once both are ready.
    let workerId = 0;
    for (let w = 1; w < workerCount; w++) if (freeAt[w]! < freeAt[workerId]!) workerId = w;
    const startedAt = Math.max(queuedAt + STEP_MS, freeAt[workerId]! + STEP_MS);
    const isAbandoned = startedAt - queuedAt >= maxWaitMs;
    const finishedAt = isAbandoned ? queuedAt + maxWaitMs : startedAt + job.runMs + STEP_MS;
    if (!isAbandoned) freeAt[workerId] = finishedAt;
    const sentAt = finishedAt + STEP_MS;
    lastAt = Math.max(lastAt, sentAt);
    push({
      type: 'connection-opened',
      at: receivedAt - STEP_MS,
      connectionId: requestId,
      remoteAddress: '127.0.0.1',
      remotePort: 40_000 + i,
    });
    push({
      type: 'request-received',
      at: receivedAt,
      requestId,
      connectionId: requestId,
      method: 'GET',
      target: job.path,
      remoteAddress: '127.0.0.1',
      userAgent: i % 2 === 0 ? 'poolscope-burst/1' : 'curl/8.5.0',
    });
    push({ type: 'job-queued', at: queuedAt, requestId, queueDepth: 0 });
    if (isAbandoned) {
      push({ type: 'job-abandoned', at: finishedAt, requestId, reason: 'max-wait', waitMs: maxWaitMs, queueDepth: 0 });
      push({ type: 'request-rejected', at: finishedAt, requestId, connectionId: requestId, status: 503, errorCode: 'QUEUE_WAIT_EXCEEDED' });
      push({ type: 'response-sent', at: sentAt, requestId, status: 503, bytes: 150 });
      return;
    }
    push({ type: 'job-started', at: startedAt, requestId, workerId, waitMs: startedAt - queuedAt, queueDepth: 0 });
    push({ type: 'job-finished', at: finishedAt, requestId, workerId, runMs: job.runMs, status: 200 });
    push({ type: 'response-sent', at: sentAt, requestId, status: 200, bytes: 300 });
  });

  at = lastAt + 1;
  push({ type: 'server-stopping', at, reason: 'command' });
  for (let workerId = 0; workerId < workerCount; workerId++) {
    push({ type: 'worker-stopping', at: tick(), workerId });
    push({ type: 'worker-exited', at: tick(), workerId, reason: 'shutdown', exitCode: 0 });
  }
  push({ type: 'server-stopped', at: at + STEP_MS });

  const events = timed.sort((a, b) => a.event.at - b.event.at || a.order - b.order).map((t) => t.event);
  // Queue depths as the pool reports them: after a job joins (itself included), after one leaves.
  let depth = 0;
  for (const event of events) {
    if (event.type === 'job-queued') event.queueDepth = ++depth;
    else if (event.type === 'job-started' || event.type === 'job-abandoned') event.queueDepth = --depth;
  }
  return events;
}
