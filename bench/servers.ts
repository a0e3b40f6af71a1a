// The servers under test, each in a child process of its own so that no two share an event loop:
// run directly (`node --import tsx bench/servers.ts <kind> <port> [--workers N] [--sleep-ms N]`) it starts
// one server, prints a ready line and answers `observe on|off`, `log on|off`, `record on|off`, `record-whole on|off`,
// `rss`, `history-bytes`, `history-state`, `startups on|off`, `busy`, `cpu`, `main-cpu` and `toggle SWITCH ...` on stdin; imported, it spawns such children (test/support/processes.ts makes
// sure they die with the bench). `--parser-limits JSON` sets Poolscope's parser limits, `--max-connections N` its
// connection cap, `--log-file PATH` where `log on` prints the book's per-request lines, `--strategy NAME` how it runs
// requests, `--built-worker` its threads run the built worker (out/main/request-worker.js) instead of the TypeScript
// one; `startups on|off` collects the start-up of each per-request thread (median ms), `busy` counts what is in flight.

import { closeSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ParserLimits } from '../src/server/http/parser';
import type { ServerEvent, ServerEventType } from '../src/shared/events';
import type { Strategy } from '../src/shared/settings';
import { percentile } from '../test/support/percentile';
import { spawnTsx } from '../test/support/processes';
import { createBareNetServer } from './bare-net-server';
import { createPlainNodeServer } from './plain-node-server';
import { WholeRequestGate } from './whole-requests';

/**
 * poolscope: the server as shipped. Nobody subscribes to its events until the bench says `observe on`
 * (see ServerProcess.setObserved), so the event-stream cost is measured in one process, one warm JIT.
 * `log on` prints the book's per-request lines to the --log-file as `serve` prints them to stdout.
 * node-http: the baseline (plain-node-server.ts). node-net: Node's ceiling (bare-net-server.ts).
 */
export const SERVER_KINDS = ['poolscope', 'node-http', 'node-net'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

const READY_PREFIX = 'POOLSCOPE_BENCH_READY ';
const READY_LINE = new RegExp(`^${READY_PREFIX}(.*)$`, 'm');
const REPLY_PREFIX = 'POOLSCOPE_BENCH_REPLY ';
/** tsx compiles the server and the pool spawns its workers before the ready line; a slow CI box gets time. */
const READY_TIMEOUT_MS = 60_000;
/** A child gets this long to shut down gracefully (and write its CPU profile) before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

const PAGES_DIR = fileURLToPath(new URL('../src/server/pages/', import.meta.url));
/** What `npm run build` puts beside serve.js: the worker program in plain JavaScript, and the pages. */
const BUILT_WORKER_SCRIPT = fileURLToPath(new URL('../out/main/request-worker.js', import.meta.url));
const BUILT_PAGES_DIR = fileURLToPath(new URL('../out/main/pages/', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);
/** The whole-request recorder, switched off, waits at most this long for the requests it took to be answered. */
const WHOLE_DRAIN_LIMIT_MS = 100;

/** `history-state`'s reply. A recorder that saw every request whole holds at most one request per connection. */
export interface HistoryStateReply {
  requestsInFlight: number;
  jobsQueued: number;
  /** Events the history holds. */
  events: number;
  /** Requests the whole-request recorder was detached from before they were answered (its drain limit passed). */
  requestsLeftHalf: number;
}

// ── the child side ───────────────────────────────────────────────────────────

interface ChildOptions {
  kind: ServerKind;
  port: number;
  workerCount: number;
  sleepMs: number;
  parserLimits?: Partial<ParserLimits>;
  maxConnections?: number;
  logFile?: string;
  strategy?: Strategy;
  isBuiltWorker: boolean;
  /** The event types `observe on` subscribes to; every type when undefined. */
  observedEventTypes?: ServerEventType[];
}

function parseChildArgs(argv: string[]): ChildOptions {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workers: { type: 'string', default: '4' },
      'sleep-ms': { type: 'string', default: '1000' },
      'parser-limits': { type: 'string' },
      'max-connections': { type: 'string' },
      'log-file': { type: 'string' },
      strategy: { type: 'string' },
      'built-worker': { type: 'boolean', default: false },
      'observed-event-types': { type: 'string' },
    },
  });
  const [kind, port = '0'] = positionals;
  if (!SERVER_KINDS.includes(kind as ServerKind)) {
    throw new Error(`Unknown server kind "${kind}"; expected one of ${SERVER_KINDS.join(', ')}`);
  }
  return {
    kind: kind as ServerKind,
    port: Number(port),
    workerCount: Number(values.workers),
    sleepMs: Number(values['sleep-ms']),
    parserLimits: values['parser-limits'] === undefined ? undefined : (JSON.parse(values['parser-limits']) as Partial<ParserLimits>),
    maxConnections: values['max-connections'] === undefined ? undefined : Number(values['max-connections']),
    logFile: values['log-file'],
    strategy: values.strategy as Strategy | undefined,
    isBuiltWorker: values['built-worker'] === true,
    observedEventTypes: values['observed-event-types']?.split(',') as ServerEventType[] | undefined,
  };
}

interface StartedServer {
  port: number;
  /** Attaches or detaches the subscriber; returns the events it received while attached. */
  setObserved(isObserved: boolean): number;
  /** Starts or stops printing the book's lines to the log file; returns the lines printed while on. */
  setLogged(isLogged: boolean): number;
  /** Bytes printed to the log file so far: the process's own writes less these are its responses. */
  loggedBytes(): number;
  /** Attaches or detaches a flight recorder as the app's controller keeps one; returns the events it recorded. */
  setRecording(isRecording: boolean): number;
  /**
   * The same recorder switched so that it records only whole requests (bench/whole-requests.ts): on, it takes the
   * requests received from then on; off, it takes no new one and detaches once those it took are answered. Returns
   * the events it recorded since the last call.
   */
  setRecordingWhole(isRecording: boolean): number;
  /** The recorder's approximate bytes per stored event (0 when none records). */
  historyBytesPerEvent(): number;
  /** What the recorder's state holds as of its last event: requests in flight and jobs queued (zeros when none records). */
  historyState(): HistoryStateReply;
  /** Starts or stops collecting per-request threads' start-up; returns the median ms of those collected while on. */
  setStartupsCollected(isOn: boolean): number;
  /** Requests still in flight, and threads still alive for a thread per request: 0 once the server is at rest. */
  busyCount(): number;
  stop(): Promise<void>;
}

/** Starts the server; resolves with its port, the subscriber switch and a graceful stop. */
async function startInThisProcess(options: ChildOptions): Promise<StartedServer> {
  if (options.kind === 'node-http' || options.kind === 'node-net') {
    const http = options.kind === 'node-http' ? createPlainNodeServer(PAGES_DIR) : null;
    const server = http ?? createBareNetServer(PAGES_DIR);
    await new Promise<void>((done) => server.listen({ host: '127.0.0.1', port: options.port, backlog: 1024 }, done));
    const address = server.address();
    return {
      port: typeof address === 'object' && address !== null ? address.port : options.port,
      setObserved: () => 0,
      setLogged: () => 0,
      loggedBytes: () => 0,
      setRecording: () => 0,
      setRecordingWhole: () => 0,
      historyBytesPerEvent: () => 0,
      historyState: () => ({ requestsInFlight: 0, jobsQueued: 0, events: 0, requestsLeftHalf: 0 }),
      setStartupsCollected: () => 0,
      busyCount: () => 0,
      // The ceiling keeps no list of its sockets (that would be a cost per connection): the process exit closes them.
      stop: () =>
        new Promise<void>((done) => {
          if (http === null) {
            server.close();
            done();
            return;
          }
          http.close(() => done());
          http.closeAllConnections();
        }),
    };
  }
  // Loaded only here, so importing this file (from run.ts) does not load the server.
  const { EventStream } = await import('../src/server/event-stream');
  const { attachBookLog } = await import('../src/server/book-log');
  const { startServer } = await import('../src/server/server');
  const events = new EventStream();
  const server = await startServer({
    host: '127.0.0.1',
    port: options.port,
    workerCount: options.workerCount,
    sleepMs: options.sleepMs,
    parserLimits: options.parserLimits,
    maxConnections: options.maxConnections,
    strategy: options.strategy,
    ...(options.isBuiltWorker ? { workerScript: BUILT_WORKER_SCRIPT, pagesDir: BUILT_PAGES_DIR } : {}),
    events,
  });

  // The event stream's own cost: every event built, stamped and handed to a subscriber that does nothing with it.
  // It keeps only the latest event, so none is optimized away, and holds no others: a subscriber that buffered
  // every event for the publisher's 33 ms (as the publisher did before it read frames from the recorder instead,
  // src/main/publisher.ts) had the young generation copy the buffer at every scavenge, a GC cost of its own.
  let unsubscribe: (() => void) | null = null;
  let eventsSeen = 0;
  const latest: { event: ServerEvent | null } = { event: null };
  /** `observe on` while already on only restarts the count, so a measured round counts its own events. */
  const setObserved = (isObserved: boolean): number => {
    if (isObserved && unsubscribe !== null) {
      const seen = eventsSeen;
      eventsSeen = 0;
      return seen;
    }
    if (isObserved) {
      eventsSeen = 0;
      unsubscribe = events.subscribe((event) => {
        latest.event = event;
        eventsSeen++;
      }, options.observedEventTypes);
    } else if (!isObserved && unsubscribe !== null) {
      unsubscribe();
      unsubscribe = null;
      latest.event = null;
    }
    return eventsSeen;
  };

  // `serve > file`: stdout to a file is written synchronously by Node, as writeSync does here.
  const logFd = options.logFile === undefined ? null : openSync(options.logFile, 'w');
  let log: ReturnType<typeof attachBookLog> | null = null;
  /** The log's count when `log on` last restarted it: a reply counts the lines printed since. */
  let linesCountedFrom = 0;
  /** `log on` while already on only restarts the count, as `observe on` does. */
  const setLogged = (isLogged: boolean): number => {
    if (logFd === null) throw new Error('log on needs --log-file');
    const printed = log === null ? 0 : log.linesPrinted - linesCountedFrom;
    if (isLogged) {
      log ??= attachBookLog(events, (text) => void writeSync(logFd, text));
      linesCountedFrom = log.linesPrinted;
    } else if (log !== null) {
      log.stop();
      log = null;
    }
    return printed;
  };

  // The app's controller: one EventHistory (default bounds) appending every event, and its idle trim. Like the
  // app's, it lives as long as the process: `record off` only stops appending, so a measured round appends to a
  // history already grown by the rounds before it (and full after a while), not to a new one paying for its growth.
  const { EventHistory } = await import('../src/history');
  let history: InstanceType<typeof EventHistory> | null = null;
  let stopRecording: (() => void) | null = null;
  let recordedBefore = 0;
  /** The events recorded since the last call, by either switch. */
  const takeRecordedCount = (): number => {
    if (history === null) return 0;
    const recorded = history.nextSeq - recordedBefore;
    recordedBefore = history.nextSeq;
    return recorded;
  };
  /** Subscribes the history (made on first use) with the listener `listenerFor` gives it, trimmed every second; returns the detach. */
  const attachRecorder = (listenerFor: (recorder: InstanceType<typeof EventHistory>) => (event: ServerEvent) => void): (() => void) => {
    history ??= new EventHistory({ startAt: events.now() });
    const recorder = history;
    const unsubscribeRecorder = events.subscribe(listenerFor(recorder));
    const trimTimer = setInterval(() => recorder.trim(events.now()), 1_000);
    return () => {
      unsubscribeRecorder();
      clearInterval(trimTimer);
    };
  };
  /** Returns the events recorded since the last call; `record on` while already on only restarts the count. */
  const setRecording = (isRecording: boolean): number => {
    if (isRecording && stopWhole !== null) throw new Error('record: the whole-request recorder is on');
    const recorded = takeRecordedCount();
    if (isRecording && stopRecording === null) {
      stopRecording = attachRecorder((recorder) => (event) => recorder.append(event));
    } else if (!isRecording && stopRecording !== null) {
      stopRecording();
      stopRecording = null;
    }
    return recorded;
  };

  // The same history behind a gate that hands it whole requests only. Switched on and off every second under load,
  // the plain switch above leaves the history, at every switch-off, the requests then in flight (about one per
  // connection) and their queued jobs, never to be answered: after 35 switches it holds some 1,500 requests in flight
  // and 1,400 jobs queued that the server finished long ago, and every job it sees start searches that queue.
  // The app's recorder, on from the server's start, never holds such a request. Detached when drained, or at the
  // latest WHOLE_DRAIN_LIMIT_MS after switching off (a client gone without its answer).
  const gate = new WholeRequestGate();
  let stopWhole: (() => void) | null = null;
  let drainCheck: NodeJS.Timeout | null = null;
  let requestsLeftHalf = 0;
  const setRecordingWhole = (isRecording: boolean): number => {
    if (isRecording && stopRecording !== null) throw new Error('record-whole: the plain recorder is on');
    const recorded = takeRecordedCount();
    if (isRecording && !gate.isOpen) {
      gate.open();
      // Switched on again before the last ones drained: the same subscription goes on.
      if (drainCheck !== null) clearInterval(drainCheck);
      drainCheck = null;
      if (stopWhole === null) {
        const detach = attachRecorder((recorder) => (event) => {
          if (gate.admit(event)) recorder.append(event);
        });
        stopWhole = () => {
          detach();
          if (drainCheck !== null) clearInterval(drainCheck);
          drainCheck = null;
          stopWhole = null;
          // Detached before they drained (a client gone without its answer, or a worker descheduled that long on a
          // loaded machine): what it holds of those is half, and history-state says how many.
          if (!gate.isDrained) {
            requestsLeftHalf += gate.requestsInFlight;
            gate.forget();
          }
        };
      }
    } else if (!isRecording && gate.isOpen) {
      gate.close();
      const drainedBy = performance.now() + WHOLE_DRAIN_LIMIT_MS;
      const detachWhenDrained = (): void => {
        if (gate.isDrained || performance.now() >= drainedBy) stopWhole?.();
      };
      detachWhenDrained();
      if (stopWhole !== null) drainCheck = setInterval(detachWhenDrained, 5);
    }
    return recorded;
  };
  const historyState = (): HistoryStateReply => {
    const lastAt = history?.lastAt ?? null;
    const state = history === null || lastAt === null ? null : history.stateAt(lastAt);
    return {
      requestsInFlight: state?.requests.length ?? 0,
      jobsQueued: state?.queue.length ?? 0,
      events: history?.eventCount ?? 0,
      requestsLeftHalf,
    };
  };

  let stopCollecting: (() => void) | null = null;
  let startupsMs: number[] = [];
  const setStartupsCollected = (isOn: boolean): number => {
    const medianMs =
      startupsMs.length === 0
        ? 0
        : percentile(
            [...startupsMs].sort((a, b) => a - b),
            50,
          );
    stopCollecting?.();
    stopCollecting = null;
    startupsMs = [];
    if (isOn) {
      stopCollecting = events.subscribe((event) => {
        if (event.type === 'thread-started') startupsMs.push(event.startupMs);
      });
    }
    return medianMs;
  };
  return {
    port: server.port,
    setObserved,
    setLogged,
    loggedBytes: () => (logFd === null ? 0 : fstatSync(logFd).size),
    setRecording,
    setRecordingWhole,
    historyBytesPerEvent: () => history?.bytesPerEvent ?? 0,
    historyState,
    setStartupsCollected,
    busyCount: () => {
      const state = server.state();
      return state.requests.length + (options.strategy === 'per-request' ? state.pool.threads.live : 0);
    },
    stop: async () => {
      setObserved(false);
      setRecording(false);
      setRecordingWhole(false);
      stopWhole?.();
      if (logFd !== null) {
        if (log !== null) setLogged(false);
        closeSync(logFd);
      }
      await server.shutdown('signal');
    },
  };
}

/**
 * CPU time the main thread alone has used so far, in µs: where the server's own JavaScript runs (parsing, routing,
 * every emit and subscriber), beside the workers and V8's helper threads. Linux's per-thread accounting
 * (/proc/self/task/<tid>/schedstat, ns on CPU); -1 where there is none.
 */
function mainThreadCpuUs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[0]) / 1000;
  } catch {
    return -1;
  }
}

/** Bytes the whole process has written so far, to files and sockets alike (/proc/self/io `wchar`); -1 where unknown. */
function bytesWrittenSoFar(): number {
  try {
    const match = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'latin1'));
    return match === null ? -1 : Number(match[1]);
  } catch {
    return -1;
  }
}

/** Time the hypervisor ran other guests while this machine's CPUs wanted to run (steal, all CPUs), in ms; -1 unknown. */
function stealMsSoFar(): number {
  try {
    // cpu  user nice system idle iowait irq softirq steal …, in USER_HZ (100 a second on Linux).
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/);
    return Number(fields[8]) * 10;
  } catch {
    return -1;
  }
}

/** One slice of a `toggle` run: the switch's position and what the server did while the slice was measured. */
export interface ToggleSlice {
  isOn: boolean;
  /** Wall time measured, the settle after the switch left out, ms. */
  wallMs: number;
  /** Responses written while measured: the bytes the process wrote (less the log's) over one response's bytes. */
  responses: number;
  /** CPU every thread of the process used while measured, µs. */
  cpuUs: number;
  /** CPU the main thread used while measured, µs (NaN where the system does not say). */
  mainCpuUs: number;
  /** The machine's steal time while measured, ms (NaN where unknown): CPU a hypervisor gave someone else. */
  stealMs: number;
  /** What the switch's subscriber counted over the whole slice, settle included (events, lines); 0 when off. */
  counted: number;
  /** Responses over the whole slice, settle included: what `counted` is per. */
  responsesWhole: number;
}

/**
 * `toggle SWITCH SLICE_MS SETTLE_MS WARMUP_SLICES SLICES`: SWITCH is observe, record, record-whole (the recorder
 * handed whole requests only, as the app's sees them), log or none (switches nothing).
 */
export type ToggleSwitch = 'observe' | 'record' | 'record-whole' | 'log' | 'none';
const TOGGLE_SWITCHES: readonly ToggleSwitch[] = ['observe', 'record', 'record-whole', 'log', 'none'];
interface ToggleCommand {
  switchName: ToggleSwitch;
  sliceMs: number;
  settleMs: number;
  warmupSlices: number;
  slices: number;
}

function parseToggle(command: string): ToggleCommand {
  const [, switchName, ...numbers] = command.split(/\s+/);
  const [sliceMs, settleMs, warmupSlices, slices] = numbers.map(Number);
  if (!TOGGLE_SWITCHES.includes(switchName as ToggleSwitch)) throw new Error(`toggle: unknown switch "${switchName}"`);
  for (const value of [sliceMs, settleMs, warmupSlices, slices]) {
    if (value === undefined || !Number.isInteger(value) || value < 0)
      throw new Error(`toggle: expected four whole numbers in "${command}"`);
  }
  if (settleMs! >= sliceMs!) throw new Error('toggle: the settle must be shorter than the slice');
  return { switchName: switchName as ToggleSwitch, sliceMs: sliceMs!, settleMs: settleMs!, warmupSlices: warmupSlices!, slices: slices! };
}

/** The bytes of one `GET /` answer as wrk asks for it (HTTP/1.1, keep-alive): fixed, the Date header's width is. */
function responseBytesOfGetRoot(port: number): Promise<number> {
  return new Promise((answered, failed) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headerEnd = received.indexOf('\r\n\r\n');
      const length = /content-length: *(\d+)/i.exec(received.subarray(0, Math.max(0, headerEnd)).toString('latin1'));
      if (headerEnd !== -1 && length !== null && received.length >= headerEnd + 4 + Number(length[1])) {
        socket.destroy();
        answered(received.length);
      }
    });
    socket.on('error', failed);
  });
}

/**
 * Switches one of the server's switches on and off every slice under whatever load the bench is sending, and
 * measures each slice from inside: responses, CPU, the main thread's CPU. The first `warmupSlices` toggle but are
 * not kept, so the first subscription's deoptimization (V8 inlines the first listener) lands there.
 */
async function runToggle(started: StartedServer, toggle: ToggleCommand): Promise<ToggleSlice[]> {
  const setSwitch = (isOn: boolean): number => {
    if (toggle.switchName === 'observe') return started.setObserved(isOn);
    if (toggle.switchName === 'record') return started.setRecording(isOn);
    if (toggle.switchName === 'record-whole') return started.setRecordingWhole(isOn);
    if (toggle.switchName === 'log') return started.setLogged(isOn);
    return 0; // none: both sides the same, the method's own noise (an A/A run)
  };
  const responseBytes = await responseBytesOfGetRoot(started.port);
  const snapshot = () => {
    const usage = process.cpuUsage();
    return {
      atMs: performance.now(),
      bytes: bytesWrittenSoFar() - started.loggedBytes(),
      cpuUs: usage.user + usage.system,
      mainCpuUs: mainThreadCpuUs(),
      stealMs: stealMsSoFar(),
    };
  };
  if (snapshot().bytes < 0) throw new Error('toggle needs /proc/self/io to count responses');
  const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
  const slices: ToggleSlice[] = [];
  setSwitch(false);
  let previous: { slice: ToggleSlice | null; begin: ReturnType<typeof snapshot> } | null = null;
  const total = toggle.warmupSlices + toggle.slices;
  for (let i = 0; i <= total; i++) {
    const begin = snapshot();
    // The count a switch reports on going off is what it counted while on: the slice just ended.
    const isOn = i < total && (i - toggle.warmupSlices) % 2 === 0;
    const counted = setSwitch(isOn);
    if (previous?.slice) {
      previous.slice.counted = previous.slice.isOn ? counted : 0;
      previous.slice.responsesWhole = (begin.bytes - previous.begin.bytes) / responseBytes;
    }
    if (i === total) break;
    await sleep(toggle.settleMs);
    const from = snapshot();
    await sleep(toggle.sliceMs - toggle.settleMs);
    const to = snapshot();
    const slice: ToggleSlice = {
      isOn,
      wallMs: to.atMs - from.atMs,
      responses: (to.bytes - from.bytes) / responseBytes,
      cpuUs: to.cpuUs - from.cpuUs,
      mainCpuUs: from.mainCpuUs < 0 ? Number.NaN : to.mainCpuUs - from.mainCpuUs,
      stealMs: from.stealMs < 0 ? Number.NaN : to.stealMs - from.stealMs,
      counted: 0,
      responsesWhole: 0,
    };
    if (i >= toggle.warmupSlices) slices.push(slice);
    previous = { slice: i >= toggle.warmupSlices ? slice : null, begin };
  }
  setSwitch(false);
  return slices;
}

async function runChild(): Promise<void> {
  const options = parseChildArgs(process.argv.slice(2));
  const started = await startInThisProcess(options);
  let isStopping = false;
  const stop = (): void => {
    if (isStopping) return;
    isStopping = true;
    const forceExit = setTimeout(() => process.exit(1), STOP_TIMEOUT_MS - 1_000);
    forceExit.unref();
    // process.exit (not a kill) so that --cpu-prof writes its profile.
    started.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // stdin is a pipe from the bench: it carries `observe on|off` and `cpu` lines, and ends when the bench dies, however it dies.
  let stdinBuffer = '';
  /** Replies go out one per command, in order (the bench matches them up by position), a `toggle` taking seconds. */
  let replies = Promise.resolve();
  const replyTo = async (command: string): Promise<unknown> => {
    if (command.startsWith('toggle ')) return runToggle(started, parseToggle(command));
    if (command === 'observe on' || command === 'observe off') return started.setObserved(command === 'observe on');
    if (command === 'log on' || command === 'log off') return started.setLogged(command === 'log on');
    if (command === 'record on' || command === 'record off') return started.setRecording(command === 'record on');
    if (command === 'rss') return process.memoryUsage().rss;
    if (command === 'record-whole on' || command === 'record-whole off') return started.setRecordingWhole(command === 'record-whole on');
    if (command === 'history-bytes') return started.historyBytesPerEvent();
    if (command === 'history-state') return started.historyState();
    if (command === 'startups on' || command === 'startups off') return started.setStartupsCollected(command === 'startups on');
    if (command === 'busy') return started.busyCount();
    if (command === 'cpu') {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    }
    if (command === 'main-cpu') return mainThreadCpuUs();
    return Number.NaN;
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    stdinBuffer += chunk;
    for (let newline = stdinBuffer.indexOf('\n'); newline !== -1; newline = stdinBuffer.indexOf('\n')) {
      const command = stdinBuffer.slice(0, newline).trim();
      stdinBuffer = stdinBuffer.slice(newline + 1);
      replies = replies.then(async () => {
        let reply: unknown;
        let error: string | undefined;
        try {
          reply = await replyTo(command);
        } catch (thrown) {
          error = thrown instanceof Error ? thrown.message : String(thrown);
        }
        process.stdout.write(`${REPLY_PREFIX}${JSON.stringify({ command, reply, error })}\n`);
      });
    }
  });
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ kind: options.kind, port: started.port, pid: process.pid })}\n`);
}

// ── the bench side ───────────────────────────────────────────────────────────

export interface SpawnServerOptions {
  workerCount: number;
  sleepMs: number;
  /** When set, the child runs with --cpu-prof and writes its profiles (one per thread) here. */
  cpuProfileDir?: string;
  /** Poolscope's parser limits, where a bench needs other than the defaults. */
  parserLimits?: Partial<ParserLimits>;
  /** Poolscope's connection cap, where a bench needs other than the default. */
  maxConnections?: number;
  /** Where `setLogged(true)` prints the book's lines. */
  logFile?: string;
  /** Poolscope's strategy; default the pool. */
  strategy?: Strategy;
  /** Poolscope's threads run the built worker (out/main/request-worker.js; build first). */
  isBuiltWorker?: boolean;
  /** The event types the event-stream row's subscriber takes (`--event-types`); every type when undefined. */
  observedEventTypes?: readonly ServerEventType[];
}

export interface ServerProcess {
  readonly kind: ServerKind;
  readonly port: number;
  readonly pid: number;
  /** Attaches (true) or detaches the do-nothing subscriber; resolves with the events it received while attached. */
  setObserved(isObserved: boolean): Promise<number>;
  /** Starts (true) or stops printing the book's lines to the log file; resolves with the lines printed while on. */
  setLogged(isLogged: boolean): Promise<number>;
  /** Attaches (true) or detaches a flight recorder; resolves with the events it recorded since the last call. */
  setRecording(isRecording: boolean): Promise<number>;
  /** The child's resident set size, bytes. */
  rssBytes(): Promise<number>;
  /** Attaches (true) or drains and detaches the recorder that takes whole requests only; resolves as setRecording. */
  setRecordingWhole(isRecording: boolean): Promise<number>;
  /** The recorder's approximate bytes per stored event. */
  historyBytesPerEvent(): Promise<number>;
  /** What the recorder's state holds as of its last event (requests in flight, jobs queued) and its events held. */
  historyState(): Promise<HistoryStateReply>;
  /** CPU time the whole child (every thread) has used so far, user + system, in µs. */
  cpuUsageUs(): Promise<number>;
  /** CPU time the child's main thread has used so far, in µs; negative where the system does not say. */
  mainThreadCpuUs(): Promise<number>;
  /**
   * Switches `switchName` on and off every `sliceMs` (on first; 'none' switches nothing: an A/A run), measuring each slice inside the child after
   * `settleMs`; the first `warmupSlices` are not kept. The load is the caller's to send meanwhile.
   */
  toggle(
    switchName: ToggleSwitch,
    options: { sliceMs: number; settleMs: number; warmupSlices: number; slices: number },
  ): Promise<ToggleSlice[]>;
  /** Starts (true) or stops collecting per-request threads' start-up; resolves with the median ms collected while on. */
  setStartupsCollected(isOn: boolean): Promise<number>;
  /** Requests in flight (and per-request threads alive): the bench waits for 0 before the next side's round. */
  busyCount(): Promise<number>;
  /** Graceful: SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
  stop(): Promise<void>;
}

export async function spawnServer(kind: ServerKind, options: SpawnServerOptions): Promise<ServerProcess> {
  const nodeArgs = options.cpuProfileDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const args = [kind, '0', '--workers', String(options.workerCount), '--sleep-ms', String(options.sleepMs)];
  if (options.parserLimits !== undefined) args.push('--parser-limits', JSON.stringify(options.parserLimits));
  if (options.maxConnections !== undefined) args.push('--max-connections', String(options.maxConnections));
  if (options.logFile !== undefined) args.push('--log-file', options.logFile);
  if (options.strategy !== undefined) args.push('--strategy', options.strategy);
  if (options.isBuiltWorker === true) args.push('--built-worker');
  if (options.observedEventTypes !== undefined) args.push('--observed-event-types', options.observedEventTypes.join(','));
  const program = spawnTsx(THIS_FILE, args, { nodeArgs, stdin: 'pipe' });
  program.child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${kind}] ${chunk.toString()}`));

  // After the ready line, stdout carries one reply per command, in order.
  const replyWaiters: Array<(reply: { reply: unknown; error?: string }) => void> = [];
  const askFor = (command: string): Promise<unknown> =>
    new Promise((answered, failed) => {
      replyWaiters.push(({ reply, error }) => (error === undefined ? answered(reply) : failed(new Error(`${kind} server: ${error}`))));
      program.child.stdin!.write(`${command}\n`);
    });
  const ask = async (command: string): Promise<number> => (await askFor(command)) as number;
  let stdoutBuffer = '';
  program.child.stdout!.on('data', (chunk: Buffer) => {
    stdoutBuffer += chunk.toString();
    for (let newline = stdoutBuffer.indexOf('\n'); newline !== -1; newline = stdoutBuffer.indexOf('\n')) {
      const line = stdoutBuffer.slice(0, newline);
      stdoutBuffer = stdoutBuffer.slice(newline + 1);
      if (line.startsWith(REPLY_PREFIX))
        replyWaiters.shift()?.(JSON.parse(line.slice(REPLY_PREFIX.length)) as { reply: unknown; error?: string });
    }
  });

  let readyLine: RegExpExecArray;
  try {
    readyLine = await program.waitForOutput(READY_LINE, { stream: 'stdout', timeoutMs: READY_TIMEOUT_MS });
  } catch (error) {
    await program.kill();
    throw new Error(`${kind} server did not report ready: ${(error as Error).message}`);
  }
  const ready = JSON.parse(readyLine[1]!) as { port: number; pid: number };
  return {
    kind,
    port: ready.port,
    pid: ready.pid,
    setObserved: (isObserved) => ask(`observe ${isObserved ? 'on' : 'off'}`),
    setLogged: (isLogged) => ask(`log ${isLogged ? 'on' : 'off'}`),
    setRecording: (isRecording) => ask(`record ${isRecording ? 'on' : 'off'}`),
    rssBytes: () => ask('rss'),
    setRecordingWhole: (isRecording) => ask(`record-whole ${isRecording ? 'on' : 'off'}`),
    historyBytesPerEvent: () => ask('history-bytes'),
    historyState: async () => (await askFor('history-state')) as HistoryStateReply,
    cpuUsageUs: () => ask('cpu'),
    mainThreadCpuUs: () => ask('main-cpu'),
    toggle: async (switchName, { sliceMs, settleMs, warmupSlices, slices }) =>
      (await askFor(`toggle ${switchName} ${sliceMs} ${settleMs} ${warmupSlices} ${slices}`)) as ToggleSlice[],
    setStartupsCollected: (isOn) => ask(`startups ${isOn ? 'on' : 'off'}`),
    busyCount: () => ask('busy'),
    stop: async () => void (await program.stop(STOP_TIMEOUT_MS)),
  };
}

const isMain = process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  runChild().catch((error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
}
