// The Book panel's verdicts: what a step's run showed, measured from that run's events alone, and whether it is
// what the book predicts (src/shared/book.ts). Pure: the events in, a verdict out; no clock, no server. The
// measures are orderings and counts (how many jobs ran at once, which answer came after which), never tight
// durations, so a busy machine changes the figures a verdict quotes but not whether it matches.

import { type BookStep, type BookStepId, type BookVerdict, bookStep } from '../shared/book';
import type { ServerEvent, StopReason } from '../shared/events';
import { countOf } from '../shared/plural';
import { scenarioRequestCount } from '../shared/scenarios';
import type { ServerSettings } from '../shared/settings';
import type { EventHistory } from './event-history';

/** One request of the run, as its events tell it (NaN: that event did not come). */
interface MeasuredRequest {
  requestId: number;
  connectionId: number;
  path: string;
  receivedAt: number;
  startedAt: number;
  finishedAt: number;
  waitMs: number;
  sentAt: number;
  status: number;
}

/** A run's events boiled down to what the verdicts measure. */
export interface MeasuredRun {
  settings: ServerSettings | null;
  /** The requests to `/` and `/sleep` (the traffic a step sends), in the order they were read. */
  requests: MeasuredRequest[];
  /** Each connection's connection-opened time. */
  connectionOpenedAt: Map<number, number>;
  /** Connections that waited, unread, for the single thread (connection-waiting). */
  waitingConnectionCount: number;
  /** Threads started for requests (strategy per-request), and the most alive at once. */
  threadCount: number;
  peakThreadCount: number;
  threadStartupMs: number[];
  stopping: { at: number; reason: StopReason } | null;
  /** The workers joined at shutdown, in the order they were joined. */
  joinedWorkerIds: number[];
  isStopped: boolean;
}

/** `/sleep?ms=20` → `/sleep`. */
function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** Reads one run's events (oldest first). */
export function measureRun(events: Iterable<ServerEvent>): MeasuredRun {
  const run: MeasuredRun = {
    settings: null,
    requests: [],
    connectionOpenedAt: new Map(),
    waitingConnectionCount: 0,
    threadCount: 0,
    peakThreadCount: 0,
    threadStartupMs: [],
    stopping: null,
    joinedWorkerIds: [],
    isStopped: false,
  };
  const byId = new Map<number, MeasuredRequest>();
  for (const event of events) {
    switch (event.type) {
      case 'server-listening': {
        const { type: _type, at: _at, ...settings } = event;
        run.settings = settings;
        break;
      }
      case 'connection-opened':
        run.connectionOpenedAt.set(event.connectionId, event.at);
        break;
      case 'connection-waiting':
        run.waitingConnectionCount++;
        break;
      case 'request-received': {
        const path = pathOf(event.target);
        if (path !== '/' && path !== '/sleep') break;
        const request: MeasuredRequest = {
          requestId: event.requestId,
          connectionId: event.connectionId,
          path,
          receivedAt: event.at,
          startedAt: Number.NaN,
          finishedAt: Number.NaN,
          waitMs: Number.NaN,
          sentAt: Number.NaN,
          status: Number.NaN,
        };
        byId.set(event.requestId, request);
        run.requests.push(request);
        break;
      }
      case 'job-started': {
        const request = byId.get(event.requestId);
        if (request) {
          request.startedAt = event.at;
          request.waitMs = event.waitMs;
        }
        break;
      }
      case 'job-finished': {
        const request = byId.get(event.requestId);
        if (request) request.finishedAt = event.at;
        break;
      }
      case 'response-sent': {
        const request = byId.get(event.requestId);
        if (request) {
          request.sentAt = event.at;
          request.status = event.status;
        }
        break;
      }
      case 'thread-started':
        run.threadCount++;
        run.peakThreadCount = Math.max(run.peakThreadCount, event.liveThreadCount);
        run.threadStartupMs.push(event.startupMs);
        break;
      case 'server-stopping':
        run.stopping ??= { at: event.at, reason: event.reason };
        break;
      case 'worker-exited':
        if (event.reason === 'shutdown') run.joinedWorkerIds.push(event.workerId);
        break;
      case 'server-stopped':
        run.isStopped = true;
        break;
      default:
        break;
    }
  }
  return run;
}

/** The most jobs that ran at the same moment (a job ending as another starts does not overlap it). */
export function mostAtOnce(requests: readonly MeasuredRequest[]): number {
  const edges: Array<[at: number, delta: number]> = [];
  for (const r of requests) {
    if (Number.isNaN(r.startedAt)) continue;
    edges.push([r.startedAt, 1], [Number.isNaN(r.finishedAt) ? Number.POSITIVE_INFINITY : r.finishedAt, -1]);
  }
  // Ends before starts at the same time.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let most = 0;
  for (const [, delta] of edges) {
    running += delta;
    most = Math.max(most, running);
  }
  return most;
}

/** "850 ms", "4.5 s": tenths of a second from one second up, as the burst summaries write them. */
export function formatVerdictMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(Math.max(0, ms))} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** From the first request read to the last answer, over these requests. */
function makespanMs(requests: readonly MeasuredRequest[]): number {
  if (requests.length === 0) return 0;
  return Math.max(...requests.map((r) => r.sentAt)) - Math.min(...requests.map((r) => r.receivedAt));
}

type Judgement = { matches: boolean; text: string };

/** The run's strategy is not the step's: nothing it showed speaks for the step. */
function wrongStrategy(step: BookStep, settings: ServerSettings): Judgement {
  return {
    matches: false,
    text: `This run used strategy ${settings.strategy}, not ${step.settings.strategy}: it says nothing about this step`,
  };
}

function judgeSingle(run: MeasuredRun, answered: MeasuredRequest[]): Judgement {
  const atOnce = mostAtOnce(answered);
  const n = answered.length;
  if (atOnce > 1) return { matches: false, text: `${countOf(n, 'request')} answered, up to ${atOnce} at once` };
  const waited = run.waitingConnectionCount;
  return {
    matches: true,
    text:
      waited === 0
        ? `${countOf(n, 'request')} answered one at a time — each was done before the next arrived`
        : `${countOf(n, 'request')} answered one at a time — ${countOf(waited, 'connection')} waited unread while the one thread served another`,
  };
}

function judgeSlowRequest(run: MeasuredRun, answered: MeasuredRequest[]): Judgement {
  const sleep = answered.find((r) => r.path === '/sleep');
  const root = answered.find((r) => r.path === '/');
  if (!sleep || !root) return { matches: false, text: 'The run has no `/sleep` and `/` both answered' };
  const rootOpenedAt = run.connectionOpenedAt.get(root.connectionId) ?? root.receivedAt;
  const waitedMs = root.sentAt - rootOpenedAt;
  if (rootOpenedAt >= sleep.sentAt) {
    return {
      matches: false,
      text: `\`/\` arrived after \`/sleep\` was answered, so nothing was in its way (answered in ${formatVerdictMs(waitedMs)})`,
    };
  }
  if (root.sentAt < sleep.sentAt) {
    return { matches: false, text: `\`/\` was answered in ${formatVerdictMs(waitedMs)}, before \`/sleep\` was` };
  }
  return { matches: true, text: `\`/\` waited ${formatVerdictMs(waitedMs)} behind \`/sleep\` — the single thread blocked it` };
}

function judgePerRequest(run: MeasuredRun, answered: MeasuredRequest[]): Judgement {
  const sleeps = answered.filter((r) => r.path === '/sleep');
  const roots = answered.filter((r) => r.path === '/');
  const startup = median(run.threadStartupMs);
  const threads = `${countOf(run.threadCount, 'thread')}, peak ${run.peakThreadCount} alive at once${Number.isNaN(startup) ? '' : `, start-up ${formatVerdictMs(startup)} median`}`;
  const rootPart =
    roots.length === 0 ? '' : `; \`/\` was answered in ${formatVerdictMs(Math.max(...roots.map((r) => r.sentAt - r.receivedAt)))}`;
  // The book's point is one thread per request, nothing shared and nothing bounding them: every request got its
  // own and the sleeps' threads lived together. How far the sleeps overlapped depends on how fast threads start.
  const isOwnThreadEach = run.threadCount >= answered.length && run.peakThreadCount >= sleeps.length;
  return {
    matches: isOwnThreadEach,
    text: `${countOf(answered.length, 'request')} on ${threads}: the sleeps took ${formatVerdictMs(makespanMs(sleeps))}, up to ${mostAtOnce(sleeps)} at once${rootPart}${isOwnThreadEach ? ' — a thread for every request' : ''}`,
  };
}

function judgePool(settings: ServerSettings, answered: MeasuredRequest[]): Judgement {
  const sleeps = answered.filter((r) => r.path === '/sleep');
  const workers = settings.workerCount;
  const atOnce = mostAtOnce(sleeps);
  // A job waited when it spent at least half a sleep in the queue: a hand-over to a free worker is not a wait.
  const runMs = median(sleeps.map((r) => r.finishedAt - r.startedAt));
  const waited = sleeps.filter((r) => r.waitMs >= runMs / 2);
  const expectedAtOnce = Math.min(workers, sleeps.length);
  const took = `${countOf(sleeps.length, 'sleep')} took ${formatVerdictMs(makespanMs(sleeps))} on ${countOf(workers, 'worker')}`;
  const waitPart =
    waited.length === 0
      ? 'none waited'
      : `the other ${waited.length} waited ${formatVerdictMs(median(waited.map((r) => r.waitMs)))} in the queue`;
  return {
    matches: atOnce === expectedAtOnce && waited.length === sleeps.length - expectedAtOnce,
    text: `${took} — ${atOnce} at a time, ${waitPart}`,
  };
}

function judgeWhileLet(settings: ServerSettings, answered: MeasuredRequest[]): Judgement {
  const sleeps = answered.filter((r) => r.path === '/sleep');
  const atOnce = mostAtOnce(sleeps);
  const took = `${countOf(sleeps.length, 'sleep')} took ${formatVerdictMs(makespanMs(sleeps))} on ${countOf(settings.workerCount, 'worker')}`;
  if (atOnce > 1) return { matches: false, text: `${took}, up to ${atOnce} at once` };
  return { matches: true, text: `${took} — one at a time: the lock was held for every job` };
}

function judgeShutdown(run: MeasuredRun, answered: MeasuredRequest[], settings: ServerSettings): Judgement {
  const served = answered.filter((r) => r.status >= 200 && r.status < 300).length;
  const order = run.joinedWorkerIds.join(', ');
  const isInOrder = run.joinedWorkerIds.every((id, i) => i === 0 || id > run.joinedWorkerIds[i - 1]!);
  const limit = settings.stopAfterConnections;
  const stopText =
    run.stopping === null
      ? 'the server did not shut down by itself'
      : run.stopping.reason === 'stop-after'
        ? 'then Shutting down'
        : `then it stopped for another reason (${run.stopping.reason})`;
  const joinText = run.joinedWorkerIds.length === 0 ? 'no worker was joined' : `the workers joined in order ${order}`;
  return {
    matches:
      limit > 0 &&
      served === limit &&
      run.stopping?.reason === 'stop-after' &&
      run.joinedWorkerIds.length === settings.workerCount &&
      isInOrder,
    text: `${countOf(served, 'request')} served, ${stopText}; ${joinText}`,
  };
}

/** Each step's judge: the run, its traffic's answered requests, the settings it ran with. */
const JUDGES: Record<BookStepId, (run: MeasuredRun, answered: MeasuredRequest[], settings: ServerSettings) => Judgement> = {
  single: (run, answered) => judgeSingle(run, answered),
  'slow-request': (run, answered) => judgeSlowRequest(run, answered),
  'per-request': (run, answered) => judgePerRequest(run, answered),
  pool: (_run, answered, settings) => judgePool(settings, answered),
  'while-let': (_run, answered, settings) => judgeWhileLet(settings, answered),
  shutdown: (run, answered, settings) => judgeShutdown(run, answered, settings),
};

/**
 * The verdict of `stepId` on one run's events (oldest first). Waiting while fewer of the step's requests than its
 * traffic sends are answered (the shutdown also waits for the server to stop), unless the run has ended.
 */
export function judgeBookStep(stepId: BookStepId, runId: number, events: Iterable<ServerEvent>): BookVerdict {
  const step = bookStep(stepId);
  const run = measureRun(events);
  const expectedCount = scenarioRequestCount(step.traffic);
  const answered = run.requests.filter((r) => !Number.isNaN(r.sentAt));
  const base = { step: stepId, runId, answeredCount: answered.length, expectedCount };
  const isTrafficDone = answered.length >= expectedCount && answered.length === run.requests.length;
  // take(2) is judged once the server stopped: its joins are part of what the step shows.
  const isDone = run.isStopped || (isTrafficDone && stepId !== 'shutdown');
  if (!isDone || run.settings === null) {
    const text =
      answered.length < expectedCount
        ? `Waiting for the answers: ${answered.length} of ${expectedCount}…`
        : 'Waiting for the server to shut down…';
    return { ...base, state: 'waiting', matches: null, text, expected: null };
  }
  const settings = run.settings;
  const judgement =
    settings.strategy !== step.settings.strategy
      ? wrongStrategy(step, settings)
      : answered.length < expectedCount && stepId !== 'shutdown'
        ? { matches: false, text: `Only ${answered.length} of the ${expectedCount} requests were answered before the server stopped` }
        : JUDGES[stepId](run, answered, settings);
  return {
    ...base,
    state: 'measured',
    matches: judgement.matches,
    text: judgement.text,
    expected: judgement.matches ? null : `The book predicts ${step.prediction}.`,
  };
}

/** The verdict of a step on a run the history holds: `runId`, or the newest run. Null when it holds no such run whole. */
export function bookVerdictOf(history: EventHistory, stepId: BookStepId, runId?: number): BookVerdict | null {
  const runs = history.runs();
  const run = runId === undefined ? runs.at(-1) : runs.find((r) => r.runId === runId);
  const firstAt = history.firstAt;
  // A run whose first events left the history cannot be measured truthfully.
  if (run === undefined || firstAt === null || run.startedAt < firstAt) return null;
  const events = history.events(run.startedAt, run.stoppedAt ?? Number.POSITIVE_INFINITY);
  return judgeBookStep(stepId, run.runId, events);
}
