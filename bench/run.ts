// `npm run bench`: Poolscope against two baselines in one run, a plain node:http server and a bare node:net
// server ("Node's ceiling"), each in its own child process; prints a table of targets and writes
// bench/results/latest.json. Flags: see USAGE below.
//
// How to read it
// - The servers' columns are the MEDIAN ROUND (by req/s) of N alternating rounds: servers A, B, C, then C, B, A,
//   ...; each round is preceded by a warm-up run that is not counted, and a scenario's first round by a longer one
//   (COLD_WARMUP_S: a fresh server takes seconds to reach its pace, more with a connection per request).
//   A RATIO is the median of the per-round ratios (each round's sides ran back to back, so drift between rounds
//   cancels), printed with its bootstrap 95 % interval (bench/stats.ts), the interquartile range and the whole
//   spread of the rounds. met? says "yes" or "NO" only when the whole interval lies on one side of the target and
//   "undecided" when it spans it: this machine could not tell; rerun with more --rounds, or on a quieter machine.
// - keep-alive: GET / over `connections` persistent connections. Poolscope sends every request to a
//   worker thread and back; node:http answers on its one thread. Targets: Poolscope ≥ 0.8× node:http, and
//   server CPU per request ≤ 1.2× node:http's. The ceiling (bare-net-server.ts: no parsing, one fixed
//   answer) shows what Node's own socket handling allows.
// - close: the same with `Connection: close`, so each request also pays accept + close. Targets ≥ 1.2×
//   node:http and ≥ 0.6× the ceiling.
// - log line: keep-alive GET / with serve's per-request lines printed to a file (bench/results/book-log.txt,
//   written as serve writes stdout) vs not printed, in one process switched every second (as event stream). Target < 5%.
// - memory: the built `serve` (out/main/serve.js, as `npm run serve` runs it) and the same program under
//   tsx (as it ran before the build), with 1, 4 and 16 workers, each given a short keep-alive load and a
//   /sleep for every worker; peak RSS (VmHWM) and the cost of each added worker: (16 − 1) / 15. Target ≤ 12 MB.
// - event stream: Poolscope with a subscriber that takes every event and does nothing with it (the stream's own cost)
//   vs nobody subscribed, in the same child process: ONE continuous load, the switch toggled every SLICE_MS inside
//   it, each slice measured by the server itself (responses from the bytes it wrote, its CPU, its main thread's CPU,
//   from SETTLE_MS after the switch). Each on slice is compared with the off slices either side of it; the cost is
//   1 − the median of those req/s ratios, with a bootstrap interval that resamples neighbouring pairs together.
//   Target: cost < 5% (of req/s). "CPU/req +x%" beside it is the same cost measured as server CPU per request, and
//   "main +x µs" what it adds to the main thread, where every event is built and heard, each with its interval.
//   It replaced rounds of 6 s a side (ABBA): on this machine other load comes in episodes of 2–4 s, which fell on
//   one side's rounds (two of them run back to back) and moved the row by ±30 %; alternating every second puts
//   every episode on both sides. The same for the recorder and log-line rows.
//   `npm run bench:emit` measures the emit path alone.
// - recorder: the same switch for the flight recorder the app's controller keeps (every event appended to an
//   EventHistory with the default bounds). One history for the child's life, kept across rounds as the app keeps
//   it, so later rounds append to a grown (then full) history rather than paying for a new one's growth. Switched
//   on, it records the requests received from then on; switched off, it takes no new one and detaches once those it
//   took are answered (within the 200 ms settle): whole requests only, as the app's recorder sees them. Appending every
//   event from the switch on instead (--recorder-switch record) leaves it the ~50 requests in flight at every
//   switch-off, never answered, and their queued jobs: a state that grows all run and that the app never has.
// - switch noise (A/A): the same method with a switch that switches nothing, both sides the same server. Its "cost"
//   should read 0; how far it reads from 0, and whether its interval still holds 0, says how much one run of an on/off
//   row can be trusted on this machine today. No target of its own: met? says whether the interval holds 0.
// - --processes N measures each on/off row in N fresh server processes, one load each, and the interval resamples
//   processes before pairs, so that whatever differs between runs (the machine's other load in those minutes, each
//   process's JIT decisions) widens it: one run's pairs say nothing about the next run's (README: 1–5 % run to run).
// - burst: `burstCount` GET /sleep at once, each on its own connection, on `workerCount` workers: first
//   send to last response vs the ideal ceil(burst/workers) × sleep. Target within 2%.
// - strategies: keep-alive GET / against the chapter's four servers (bench/strategies.ts), one row per strategy
//   with its ratio to `pool`, every one on the built worker. No target: the rows show what each design costs.
// - thread-startup: the median start-up of a `per-request` thread (spawn to its request running), beside one
//   whole GET / on the pool.
// - p50/p99 are the load generator's latencies (request written → response complete) in the median round.
//   Socket errors or non-2xx answers are printed beside them; any at all makes that row suspect.
// - With 2 cores, wrk (1 thread) takes one and the server the other; Poolscope's worker threads compete
//   with its own main thread, which is the cost being measured. Without wrk, keep-alive load comes from
//   autocannon (or load.ts's node:net client) and close load from the node:net client, run in this process.
// - --cpu-prof profiles the Poolscope child (every thread) and prints each thread's top self-time functions.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SERVER_EVENT_FIELDS, type ServerEventType } from '../src/shared/events';
import { nearestRankIndex, percentile } from '../test/support/percentile';
import { killAllPrograms } from '../test/support/processes';
import { atLeast, BenchUsageError, numberFlag, positive, runBenchProgram, wholeAtLeast } from './flags';
import { type BurstResult, chooseLoadGenerators, type LoadGeneratorName, type LoadResult, runBurst, runLoad } from './load';
import { measureLoadAccuracy } from './load-accuracy';
import { MEMORY_WORKER_COUNTS, type MemoryReport, measureMemory } from './memory';
import { type ServerKind, type ServerProcess, spawnServer, type ToggleSlice, type ToggleSwitch } from './servers';
import { runSoak, SOAK_USAGE } from './soak';
import { type Estimate, estimateMedian, formatEstimate, toggleCost, type Verdict, verdictOf } from './stats';
import { ensureBuilt, measureThreadStartup, settle, spawnStrategyServers } from './strategies';

const USAGE = `npm run bench -- [flags]
  --quick              1 round of 2 s (smoke test)
  --rounds N           alternating rounds per scenario (default 10); for event-stream, recorder and log-line, which
                       switch every second inside one load, their measured load is N × 2 × --duration-s seconds
                       (default 7 × 2 × 5 s: 70 one-second slices)
  --duration-s N       seconds per measured round (default 2; 5 for the on/off rows' sum above and load-accuracy)
                       (strategies: 3 rounds of 5 s unless --rounds or --duration-s is given)
  --warmup-s N         seconds of unmeasured load before each round (default 1)
  --connections N      concurrent connections (default 50)
  --only LIST          comma-separated scenarios: keep-alive,close,event-stream,recorder,log-line,switch-noise,burst,
                       memory,load-accuracy, strategies, thread-startup (default), and history-memory (opt-in: 10
                       minutes of GET / with the recorder, RSS at 1, 5, 10 min)
  --generator NAME     auto (default) | wrk | autocannon | node-net
  --cpu-prof           run the Poolscope child with --cpu-prof and print its top self-time functions
  --recorder-switch S  how the recorder row switches the recorder: record-whole (default: it takes the requests
                       received after each switch-on and, switched off, drains them, so it holds whole requests only,
                       as the app's recorder does) | record (every event from the switch on: the method before, which
                       leaves it the requests in flight at each switch-off, never answered)
  --event-types LIST   the event-stream row's subscriber takes only these event types (comma-separated, e.g.
                       request-received,response-sent) instead of every type: where the stream's cost goes
  --processes N        measure each on/off row in N fresh Poolscope processes, one load each (default 1: the run's
                       one child): a switch's cost differs between processes, and its interval then says so
  --pin                wrk on CPU 1 and every server (all its threads) on CPU 0 (taskset), instead of wherever
                       the kernel puts them: a different measurement (a pool on one core), so not the default
${SOAK_USAGE}`;

const SCENARIO_IDS = [
  'keep-alive',
  'close',
  'event-stream',
  'recorder',
  'log-line',
  'switch-noise',
  'burst',
  'memory',
  'load-accuracy',
  'strategies',
  'thread-startup',
  'history-memory',
] as const;
type ScenarioId = (typeof SCENARIO_IDS)[number];
/** Run unless --only names others; history-memory takes 10 minutes, so only when asked for. */
const DEFAULT_SCENARIO_IDS: readonly ScenarioId[] = SCENARIO_IDS.filter((id) => id !== 'history-memory');
/** The history-memory scenario samples the server's RSS at these minutes of saturation. */
const HISTORY_MEMORY_MINUTES = [1, 5, 10] as const;

const HOST = '127.0.0.1';
/**
 * A scenario's first warm-up of each server lasts at least this long: a fresh server (JIT, heap, worker threads)
 * takes seconds to reach its pace, more with `Connection: close`, and its first measured round was its slowest.
 */
const COLD_WARMUP_S = 5;
/**
 * The on/off rows (event-stream, recorder, log-line) measure SWITCH_ROUNDS × 2 × SWITCH_DURATION_S seconds of load
 * unless --rounds or --duration-s say otherwise (what their 7 rounds of 5 s a side measured when they ran in rounds):
 * 70 one-second slices, 35 pairs, as a cost of a few per cent needs many more pairs than a 2× ratio does.
 */
const SWITCH_ROUNDS = 7;
const SWITCH_DURATION_S = 5;
/**
 * Rounds of the rows that compare processes (keep-alive, close, strategies) unless --rounds is given, and their
 * seconds: many short alternated rounds rather than three long ones, so that a disturbance of a few seconds spoils
 * one or two pairs out of ten, not one of three, and the median's interval can be narrow enough to decide.
 */
const ROUNDS = 10;
const ROUND_DURATION_S = 2;
/**
 * The strategies rows keep 3 rounds of 5 s unless --rounds or --duration-s say otherwise: they have no target to
 * decide, and `per-request` answers nothing within 2 s on a busy machine (50 threads starting at once, ~150 ms each).
 */
const STRATEGY_ROUNDS = 3;
const STRATEGY_DURATION_S = 5;
/**
 * The on/off rows switch inside one continuous load: on for SLICE_MS, off for SLICE_MS, … and measure each slice in
 * the server, leaving out the first SETTLE_MS after each switch. A disturbance of a few seconds then falls on both
 * sides alike instead of on one side's 6 s round (or two of them back to back, as ABBA rounds put them).
 */
const SLICE_MS = 1_000;
const SETTLE_MS = 200;
/** Toggled before the measured slices: the first subscriptions deoptimize the hot path once (V8 inlined the first listener). */
const WARMUP_SLICES = 4;
/**
 * Pairs resampled together in the bootstrap (8 s): a disturbance of other load (2–4 s here, a slice's req/s still
 * correlating 0.35 with the one 2 s later) touches neighbouring pairs alike, so treating them as independent would
 * claim a narrower interval than the run supports.
 */
const PAIRS_PER_BOOTSTRAP_BLOCK = 4;
const WORKER_COUNT = 4;
/** --pin: taskset CPU lists for the load generator and for every server process. */
const WRK_CPUS = '1';
const SERVER_CPUS = '0';
const BURST_COUNT = 8;
const BURST_SLEEP_MS = 1_000;
const TARGETS = {
  keepAliveMinRatio: 0.8,
  keepAliveMaxCpuRatio: 1.2,
  closeMinRatio: 1.2,
  closeMinCeilingRatio: 0.6,
  eventStreamMaxCostPercent: 5,
  logLineMaxCostPercent: 5,
  // Issue 7: always-on recording costs under 5 % of unobserved keep-alive throughput.
  recorderMaxCostPercent: 5,
  burstMaxRatio: 1.02,
  memoryMaxMbPerWorker: 12,
};

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
/** Where the log-line scenario prints serve's lines: a file, as `npm run serve > file` would. */
const BOOK_LOG_PATH = join(RESULTS_DIR, 'book-log.txt');

interface BenchConfig {
  rounds: number;
  /** Rounds of the on/off rows: --rounds when given, else SWITCH_ROUNDS (1 with --quick). */
  switchRounds: number;
  durationS: number;
  /** --duration-s when given, else SWITCH_DURATION_S: the on/off rows measure switchRounds × 2 × this, in slices. */
  switchDurationS: number;
  /** The strategies rows' rounds and seconds: --rounds and --duration-s when given, else STRATEGY_ROUNDS of STRATEGY_DURATION_S. */
  strategyRounds: number;
  strategyDurationS: number;
  warmupS: number;
  connections: number;
  workerCount: number;
  burstCount: number;
  burstSleepMs: number;
  scenarios: ScenarioId[];
  generator: 'auto' | LoadGeneratorName;
  cpuProfileDir: string | null;
  /** --pin: wrk on WRK_CPUS and the servers on SERVER_CPUS. */
  isPinned: boolean;
  /** --recorder-switch: the recorder row's switch. */
  recorderSwitch: 'record' | 'record-whole';
  /** --event-types: what the event-stream row's subscriber takes; null for every type. */
  observedEventTypes: ServerEventType[] | null;
  /** --processes: server processes each on/off row is measured in (1: the run's one Poolscope child). */
  switchProcesses: number;
}

function parseConfig(argv: string[]): BenchConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'duration-s': { type: 'string' },
      'warmup-s': { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string', default: DEFAULT_SCENARIO_IDS.join(',') },
      generator: { type: 'string', default: 'auto' },
      'cpu-prof': { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      'recorder-switch': { type: 'string', default: 'record-whole' },
      'event-types': { type: 'string' },
      processes: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const scenarios = values.only.split(',').map((s) => s.trim());
  for (const s of scenarios) {
    if (!SCENARIO_IDS.includes(s as ScenarioId))
      throw new BenchUsageError(`--only: unknown scenario "${s}"; expected ${SCENARIO_IDS.join(', ')}`);
  }
  const recorderSwitch = values['recorder-switch'];
  if (recorderSwitch !== 'record' && recorderSwitch !== 'record-whole')
    throw new BenchUsageError(`--recorder-switch must be record-whole or record (got "${recorderSwitch}")`);
  const observedEventTypes = values['event-types']?.split(',').map((type) => type.trim()) ?? null;
  for (const type of observedEventTypes ?? []) {
    if (!Object.hasOwn(SERVER_EVENT_FIELDS, type))
      throw new BenchUsageError(
        `--event-types: unknown event type "${type}"; expected some of ${Object.keys(SERVER_EVENT_FIELDS).join(', ')}`,
      );
  }
  const generators = ['auto', 'wrk', 'autocannon', 'node-net'];
  if (!generators.includes(values.generator)) throw new BenchUsageError(`--generator must be one of ${generators.join(', ')}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const rounds = numberFlag('rounds', values.rounds, values.quick ? 1 : ROUNDS, wholeAtLeast(1));
  const durationS = numberFlag('duration-s', values['duration-s'], values.quick ? 2 : ROUND_DURATION_S, positive('a number of seconds'));
  return {
    rounds,
    switchRounds: values.rounds !== undefined || values.quick ? rounds : SWITCH_ROUNDS,
    durationS,
    switchDurationS: values['duration-s'] !== undefined || values.quick ? durationS : SWITCH_DURATION_S,
    strategyRounds: values.rounds !== undefined || values.quick ? rounds : STRATEGY_ROUNDS,
    strategyDurationS: values['duration-s'] !== undefined || values.quick ? durationS : STRATEGY_DURATION_S,
    warmupS: numberFlag('warmup-s', values['warmup-s'], 1, atLeast(0, 'a number of seconds')),
    connections: numberFlag('connections', values.connections, 50, wholeAtLeast(1)),
    workerCount: WORKER_COUNT,
    burstCount: BURST_COUNT,
    burstSleepMs: BURST_SLEEP_MS,
    scenarios: scenarios as ScenarioId[],
    generator: values.generator as BenchConfig['generator'],
    cpuProfileDir: values['cpu-prof'] ? join(RESULTS_DIR, 'profiles', stamp) : null,
    isPinned: values.pin === true,
    recorderSwitch,
    observedEventTypes: observedEventTypes as ServerEventType[] | null,
    switchProcesses: numberFlag('processes', values.processes, 1, wholeAtLeast(1)),
  };
}

// ── measuring ────────────────────────────────────────────────────────────────

interface Side {
  label: string;
  server: ServerProcess;
  /** Runs before the warm-up and again just before the measured run (e.g. attach a subscriber, reset its count). */
  prepare?: () => Promise<void>;
  /** Runs after the measured run. */
  finish?: (result: LoadResult) => Promise<void>;
}

/** A load run plus what it cost the server: CPU is far less disturbed by other load on the machine than req/s. */
interface RoundResult extends LoadResult {
  /** CPU the server process (all threads) used per request answered, in µs. */
  serverCpuUsPerRequest: number;
  /** CPU the server's main thread used per request answered, in µs; NaN where the system does not say. */
  mainThreadCpuUsPerRequest: number;
}

interface SideResult {
  label: string;
  median: RoundResult;
  rounds: RoundResult[];
}

/** Each round's A/B ratio of `measure` (req/s by default), sorted: their spread shows how much of a difference is noise. */
function pairedRatios(a: SideResult, b: SideResult, measure?: (round: RoundResult) => number): number[] {
  return inRoundOrder(a, b, measure).sort((x, y) => x - y);
}

function spreadNote(ratios: readonly number[]): string | undefined {
  return ratios.length > 1 ? `rounds ${ratios[0]!.toFixed(2)}–${ratios[ratios.length - 1]!.toFixed(2)}` : undefined;
}

/** Each round's A/B ratio of `measure` in the order the rounds ran (the bootstrap takes them as they came). */
function inRoundOrder(a: SideResult, b: SideResult, measure: (round: RoundResult) => number = (r) => r.requestsPerS): number[] {
  return a.rounds.map((round, i) => measure(round) / measure(b.rounds[i]!));
}

/** The words beside a ratio: its 95 % interval, the middle half and the whole spread of the rounds. */
function intervalNote(estimate: Estimate, sortedRatios: readonly number[]): string {
  if (estimate.count < 2) return spreadNote(sortedRatios) ?? '';
  return [
    `95% ${estimate.low.toFixed(2)}–${estimate.high.toFixed(2)}`,
    `IQR ${estimate.q1.toFixed(2)}–${estimate.q3.toFixed(2)}`,
    spreadNote(sortedRatios),
  ]
    .filter(Boolean)
    .join(', ');
}

/** The median round by req/s (nearest rank: the lower middle one for an even count), so its latencies belong to it. */
function medianRound(rounds: readonly RoundResult[]): RoundResult {
  const sorted = [...rounds].sort((a, b) => a.requestsPerS - b.requestsPerS);
  return sorted[nearestRankIndex(sorted.length, 50)]!;
}

async function alternate(
  scenario: string,
  sides: readonly Side[],
  generator: LoadGeneratorName,
  closeEachConnection: boolean,
  config: BenchConfig,
): Promise<SideResult[]> {
  const rounds: RoundResult[][] = sides.map(() => []);
  const forward = sides.map((_, index) => index);
  for (let round = 0; round < config.rounds; round++) {
    // A B C, then C B A: whichever runs last in a round does not always get the warmer machine.
    const order = round % 2 === 0 ? forward : [...forward].reverse();
    for (const index of order) {
      const side = sides[index]!;
      const load = {
        host: HOST,
        port: side.server.port,
        path: '/',
        connections: config.connections,
        closeEachConnection,
        ...pinnedLoad(config),
      };
      await side.prepare?.();
      const warmupS = round === 0 ? Math.max(config.warmupS, COLD_WARMUP_S) : config.warmupS;
      if (config.warmupS > 0) await runLoad(generator, { ...load, durationS: warmupS });
      await side.prepare?.();
      const [cpuBeforeUs, mainBeforeUs] = [await side.server.cpuUsageUs(), await side.server.mainThreadCpuUs()];
      const measured = await runLoad(generator, { ...load, durationS: config.durationS });
      const [cpuAfterUs, mainAfterUs] = [await side.server.cpuUsageUs(), await side.server.mainThreadCpuUs()];
      await side.finish?.(measured);
      const requests = Math.max(1, measured.requests);
      const result: RoundResult = {
        ...measured,
        serverCpuUsPerRequest: (cpuAfterUs - cpuBeforeUs) / requests,
        mainThreadCpuUsPerRequest: mainBeforeUs < 0 ? Number.NaN : (mainAfterUs - mainBeforeUs) / requests,
      };
      rounds[index]!.push(result);
      const mainCpu = Number.isNaN(result.mainThreadCpuUsPerRequest) ? '' : ` (main ${result.mainThreadCpuUsPerRequest.toFixed(1)})`;
      console.log(
        `  ${scenario} round ${round + 1}/${config.rounds} ${side.label.padEnd(24)} ${fmtInt(result.requestsPerS).padStart(8)} req/s` +
          `  p50 ${fmtMs(result.p50Ms)}  p99 ${fmtMs(result.p99Ms)}  server CPU ${result.serverCpuUsPerRequest.toFixed(1)}${mainCpu} µs/req${problemsOf(result)}`,
      );
    }
  }
  return sides.map((side, index) => ({ label: side.label, median: medianRound(rounds[index]!), rounds: rounds[index]! }));
}

/** With --pin, the load generator's CPUs (wrk only: the Node generators run in this process). */
function pinnedLoad(config: BenchConfig): { pinnedCpus?: string } {
  return config.isPinned ? { pinnedCpus: WRK_CPUS } : {};
}

/** With --pin, every thread of the server (its workers exist by its ready line; later ones inherit) on SERVER_CPUS. */
function pinServer(server: ServerProcess, config: BenchConfig): void {
  if (!config.isPinned) return;
  const result = spawnSync('taskset', ['-a', '-p', '-c', SERVER_CPUS, String(server.pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`--pin: taskset failed for ${server.kind}: ${result.error?.message ?? result.stderr}`);
}

interface BurstReport {
  idealMs: number;
  medianMakespanMs: number;
  rounds: BurstResult[];
}

/**
 * The recorder's memory: GET / at saturation for 10 minutes with the flight recorder on (default bounds: 600 s
 * or 500,000 events, full within seconds at this rate), the server's RSS at 1, 5 and 10 minutes (flat once full:
 * target ≤ 1.10× the 1-minute figure), and the recorder's bytes per stored event.
 */
async function measureHistoryMemory(server: ServerProcess, generator: LoadGeneratorName, config: BenchConfig): Promise<ScenarioReport[]> {
  console.log(`\nhistory memory: keep-alive GET / at saturation for ${HISTORY_MEMORY_MINUTES.at(-1)} minutes with the recorder on`);
  await server.setRecording(true);
  const rssMb: number[] = [];
  let elapsedMin = 0;
  try {
    for (const minute of HISTORY_MEMORY_MINUTES) {
      const result = await runLoad(generator, {
        host: HOST,
        port: server.port,
        path: '/',
        connections: config.connections,
        durationS: (minute - elapsedMin) * 60,
        closeEachConnection: false,
        ...pinnedLoad(config),
      });
      elapsedMin = minute;
      rssMb.push((await server.rssBytes()) / (1024 * 1024));
      console.log(`  ${minute} min: RSS ${rssMb.at(-1)!.toFixed(1)} MB, ${fmtInt(result.requestsPerS)} req/s${problemsOf(result)}`);
    }
    const bytesPerEvent = await server.historyBytesPerEvent();
    console.log(`  recorder: ${bytesPerEvent.toFixed(1)} bytes per stored event`);
    const first = rssMb[0]!;
    return [
      ...HISTORY_MEMORY_MINUTES.map(
        (minute, i): ScenarioReport => ({
          id: 'history-memory',
          title: `server RSS after ${minute} min, recorder on`,
          unit: 'MB',
          poolscope: rssMb[i]!,
          baseline: first,
          baselineLabel: 'at 1 min',
          ratio: rssMb[i]! / first,
          target: '≤ 1.10× (flat once full)',
          isMet: rssMb[i]! <= first * 1.1,
        }),
      ),
      {
        id: 'history-memory',
        title: 'recorder bytes per stored event',
        unit: 'bytes',
        poolscope: bytesPerEvent,
        baseline: bytesPerEvent,
        baselineLabel: 'reported',
        ratio: 1,
        target: 'reported',
        isMet: true,
      },
    ];
  } finally {
    await server.setRecording(false);
  }
}

async function measureBurst(server: ServerProcess, config: BenchConfig): Promise<BurstReport> {
  // One short burst first, so no round pays for first-time code paths.
  await runBurst(HOST, server.port, '/sleep?ms=10', config.burstCount);
  const rounds: BurstResult[] = [];
  for (let round = 0; round < config.rounds; round++) {
    const result = await runBurst(HOST, server.port, '/sleep', config.burstCount);
    rounds.push(result);
    const bad = result.statuses.filter((s) => s !== 200).length;
    console.log(`  burst round ${round + 1}/${config.rounds} makespan ${fmtMs(result.makespanMs)}${bad > 0 ? `  (${bad} non-200)` : ''}`);
  }
  const makespans = rounds.map((r) => r.makespanMs).sort((a, b) => a - b);
  return {
    idealMs: Math.ceil(config.burstCount / config.workerCount) * config.burstSleepMs,
    medianMakespanMs: percentile(makespans, 50),
    rounds,
  };
}

// ── reporting ────────────────────────────────────────────────────────────────

export interface ScenarioReport {
  id: ScenarioId;
  title: string;
  unit: 'req/s' | 'ms' | 'µs/req' | 'MB' | 'bytes';
  poolscope: number;
  baseline: number;
  baselineLabel: string;
  ratio: number;
  target: string;
  isMet: boolean;
  /** Extra words for the ratio cell: the spread of per-round ratios, the event-stream cost in %. */
  note?: string;
  sides?: SideResult[];
  burst?: BurstReport;
  /** Throughput scenarios: each round's Poolscope/baseline ratio, sorted. */
  pairedRatios?: number[];
  /** memory only: peak RSS per worker count, built and under tsx. */
  memory?: MemoryReport;
  /** On/off rows: median per-round increase of server CPU per request with the switch on, in %. */
  cpuCostPercent?: number;
  /** On/off rows: median per-round increase of the main thread's CPU per request with the switch on, in µs. */
  mainThreadCpuCostUs?: number;
  /** event-stream only: events the subscriber received per request answered. */
  eventsPerRequest?: number;
  /** The ratio's median with its bootstrap 95 % interval and interquartile range (pairs of rounds or of slices). */
  estimate?: Estimate;
  /** met / not met / undecided: undecided when the ratio's interval spans the target. Absent: no target. */
  verdict?: Verdict;
  /** On/off rows: every measured slice, in order, as the server counted it (process after process). */
  slices?: ToggleSlice[];
  /** On/off rows with --processes N > 1: how many of `slices` each process measured, in order. */
  slicesPerProcess?: number[];
  /** On/off rows with --processes N > 1: the cost each process read alone. */
  costPercentByProcess?: Estimate[];
}

/** A difference with its sign: +1.5, −0.3. */
function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
}

function fmtInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function fmtMs(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}

function problemsOf(result: LoadResult): string {
  const parts: string[] = [];
  if (result.socketErrors > 0) parts.push(`${result.socketErrors} socket errors`);
  if (result.non2xx > 0) parts.push(`${result.non2xx} non-2xx`);
  return parts.length > 0 ? `  (${parts.join(', ')})` : '';
}

/** The met? column: the verdict where the row has one, '-' where it has no target. */
function metCell(report: ScenarioReport): string {
  if (report.target === '-') return '-';
  if (report.verdict === undefined) return report.isMet ? 'yes' : 'NO';
  return report.verdict === 'met' ? 'yes' : report.verdict === 'not met' ? 'NO' : 'undecided';
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(rows[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

function printReports(reports: ScenarioReport[]): void {
  console.log(
    '\nResults (req/s and CPU columns: the median round, or for an on/off row the median slice of each side; a ratio is the median\n' +
      'of the paired ratios with its bootstrap 95% interval; met?: "yes" or "NO" only when the whole interval is on one side of\n' +
      'the target, "undecided" when it spans it: more --rounds or a quieter machine)\n',
  );
  printTable([
    ['scenario', 'Poolscope', 'baseline', 'ratio', 'target', 'met?'],
    ...reports.map((r) => {
      const value = (v: number): string =>
        r.unit === 'ms'
          ? fmtMs(v)
          : r.unit === 'req/s'
            ? `${fmtInt(v)} req/s`
            : r.unit === 'bytes'
              ? `${v.toFixed(1)} B`
              : `${v.toFixed(1)} ${r.unit}`;
      return [
        r.title,
        value(r.poolscope),
        `${value(r.baseline)} (${r.baselineLabel})`,
        `${r.ratio.toFixed(3)}×${r.note ? ` (${r.note})` : ''}`,
        r.target,
        metCell(r),
      ];
    }),
  ]);
  const latencyRows = reports.flatMap((r) =>
    (r.sides ?? []).map((side) => [
      r.title,
      side.label,
      fmtInt(side.median.requestsPerS),
      fmtMs(side.median.p50Ms),
      fmtMs(side.median.p99Ms),
      `${side.median.serverCpuUsPerRequest.toFixed(1)} µs`,
      Number.isNaN(side.median.mainThreadCpuUsPerRequest) ? '-' : `${side.median.mainThreadCpuUsPerRequest.toFixed(1)} µs`,
      problemsOf(side.median).trim() || '-',
    ]),
  );
  if (latencyRows.length > 0) {
    console.log('\nLatency and server CPU per request (median round)\n');
    printTable([['scenario', 'server', 'req/s', 'p50', 'p99', 'server CPU/req', 'main thread CPU/req', 'errors'], ...latencyRows]);
  }
}

// ── CPU profiles ─────────────────────────────────────────────────────────────

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (summed over call sites), heaviest first, as a share of the thread's non-idle time. */
function topSelfTime(
  profile: CpuProfile,
  count: number,
): { busyMs: number; top: Array<{ name: string; selfMs: number; percent: number }> } {
  const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfUsByName = new Map<string, number>();
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = frameOf.get(profile.samples[i]!);
    if (frame === undefined || frame.functionName === '(idle)') continue;
    const deltaUs = profile.timeDeltas[i] ?? 0;
    busyUs += deltaUs;
    const file = frame.url
      .replace(/^file:\/\//, '')
      .split('/')
      .slice(-2)
      .join('/');
    const name = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
    selfUsByName.set(name, (selfUsByName.get(name) ?? 0) + deltaUs);
  }
  const top = [...selfUsByName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, selfMs: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return { busyMs: busyUs / 1000, top };
}

/** Which thread a profile belongs to: the server's main thread, a pool worker, or tsx's module-loader thread. */
function threadRoleOf(file: string, profile: CpuProfile): 'main thread' | 'pool worker' | 'loader' {
  // Node names profiles CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
  if (file.split('.')[4] === '0') return 'main thread';
  return profile.nodes.some((node) => node.callFrame.url.endsWith('/worker-runtime.ts')) ? 'pool worker' : 'loader';
}

function printProfiles(dir: string, kindByPid: ReadonlyMap<number, ServerKind>): void {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  console.log(`\nCPU profiles in ${dir} (whole child life: start-up, warm-up and idle gaps included; % of non-idle time)`);
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const role = threadRoleOf(file, profile);
    if (role === 'loader') continue;
    const kind = kindByPid.get(Number(file.split('.')[3])) ?? 'poolscope';
    const { busyMs, top } = topSelfTime(profile, role === 'main thread' ? 15 : 6);
    console.log(`\n${kind} ${role} (${file}): ${busyMs.toFixed(0)} ms busy`);
    for (const entry of top) {
      console.log(`  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.selfMs.toFixed(0).padStart(7)} ms  ${entry.name}`);
    }
  }
}

// ── the run ──────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  if (process.argv.includes('--soak')) return runSoak(process.argv.slice(2));
  const config = parseConfig(process.argv.slice(2));
  const wants = (id: ScenarioId): boolean => config.scenarios.includes(id);
  const generators = await chooseLoadGenerators(config.generator);
  console.log(
    `Poolscope bench: ${config.rounds} round(s) × ${config.durationS} s; on/off rows ${config.switchRounds * 2 * config.switchDurationS} s ` +
      `of ${SLICE_MS / 1000} s slices (+${config.warmupS} s warm-up${config.warmupS > 0 ? `, at least ${COLD_WARMUP_S} s before a scenario's first` : ''}), ${config.connections} connections, ` +
      `${config.workerCount} workers; load: ${generators.keepAlive} (keep-alive), ${generators.close} (close); ` +
      `${os.cpus().length} CPUs, Node ${process.version}`,
  );
  if (config.isPinned) console.log(`  --pin: wrk on CPU ${WRK_CPUS}, every server (all its threads) on CPU ${SERVER_CPUS} (taskset)`);
  if (generators.keepAlive !== 'wrk') {
    // A Node generator needs more CPU per request than wrk, CPU the servers then lack on a small machine.
    console.log('  wrk not found: figures are not comparable with a wrk run (autocannon also rounds latencies to whole ms).');
  }

  const started: ServerProcess[] = [];
  const spawnKind = async (kind: ServerKind): Promise<ServerProcess> => {
    const isPoolscope = kind === 'poolscope';
    const server = await spawnServer(kind, {
      workerCount: config.workerCount,
      sleepMs: config.burstSleepMs,
      cpuProfileDir: isPoolscope && config.cpuProfileDir !== null ? config.cpuProfileDir : undefined,
      logFile: isPoolscope ? BOOK_LOG_PATH : undefined,
      observedEventTypes: isPoolscope && config.observedEventTypes !== null ? config.observedEventTypes : undefined,
    });
    started.push(server);
    pinServer(server, config);
    return server;
  };

  const reports: ScenarioReport[] = [];
  try {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const needsBaselines = wants('keep-alive') || wants('close');
    const [poolscope, nodeHttp, ceiling] = await Promise.all([
      spawnKind('poolscope'),
      needsBaselines ? spawnKind('node-http') : Promise.resolve(null),
      needsBaselines ? spawnKind('node-net') : Promise.resolve(null),
    ]);

    /** Poolscope, node:http and the ceiling on the same load, interleaved; rows for the targets of this load. */
    const compareWithBaselines = async (id: 'keep-alive' | 'close', heading: string): Promise<void> => {
      console.log(`\n${heading}`);
      const isClose = id === 'close';
      const sides = await alternate(
        id,
        [
          { label: 'poolscope', server: poolscope },
          { label: 'node:http', server: nodeHttp! },
          { label: "node:net (Node's ceiling)", server: ceiling! },
        ],
        isClose ? generators.close : generators.keepAlive,
        isClose,
        config,
      );
      const [ours, http, net] = sides as [SideResult, SideResult, SideResult];
      const title = isClose ? 'GET / Connection: close' : 'GET / keep-alive';
      // Each ratio is the median of the per-round ratios (each round's sides ran back to back), with a bootstrap
      // interval; a target is met or missed only when the whole interval is on one side of it.
      const throughputRow = (baseline: SideResult, baselineLabel: string, minRatio: number | null): ScenarioReport => {
        const ratios = pairedRatios(ours, baseline);
        const estimate = estimateMedian(inRoundOrder(ours, baseline));
        const verdict = minRatio === null ? undefined : verdictOf(estimate, 'at least', minRatio);
        return {
          id,
          title,
          unit: 'req/s',
          poolscope: ours.median.requestsPerS,
          baseline: baseline.median.requestsPerS,
          baselineLabel,
          ratio: estimate.median,
          target: minRatio === null ? '-' : `≥ ${minRatio.toFixed(2)}×`,
          isMet: verdict === undefined || verdict === 'met',
          verdict,
          estimate,
          note: intervalNote(estimate, ratios),
          sides,
          pairedRatios: ratios,
        };
      };
      const cpuRatios = pairedRatios(ours, http, (round) => round.serverCpuUsPerRequest);
      const cpuRow = (maxRatio: number | null): ScenarioReport => {
        const estimate = estimateMedian(inRoundOrder(ours, http, (round) => round.serverCpuUsPerRequest));
        const verdict = maxRatio === null ? undefined : verdictOf(estimate, 'at most', maxRatio);
        return {
          id,
          title: `${title}: server CPU/req`,
          unit: 'µs/req',
          poolscope: ours.median.serverCpuUsPerRequest,
          baseline: http.median.serverCpuUsPerRequest,
          baselineLabel: 'node:http',
          ratio: estimate.median,
          target: maxRatio === null ? '-' : `≤ ${maxRatio.toFixed(2)}×`,
          isMet: verdict === undefined || verdict === 'met',
          verdict,
          estimate,
          note: intervalNote(estimate, cpuRatios),
          pairedRatios: cpuRatios,
        };
      };
      if (isClose) {
        // The latency table lists a load's sides once: from its first row.
        reports.push(throughputRow(http, 'node:http', TARGETS.closeMinRatio), {
          ...throughputRow(net, 'ceiling', TARGETS.closeMinCeilingRatio),
          sides: undefined,
        });
        reports.push(cpuRow(null));
      } else {
        reports.push(throughputRow(http, 'node:http', TARGETS.keepAliveMinRatio), {
          ...throughputRow(net, 'ceiling', null),
          sides: undefined,
        });
        reports.push(cpuRow(TARGETS.keepAliveMaxCpuRatio));
      }
    };
    if (wants('keep-alive') && nodeHttp !== null) await compareWithBaselines('keep-alive', 'keep-alive GET /');
    if (wants('close') && nodeHttp !== null) await compareWithBaselines('close', 'Connection: close GET /');

    /**
     * Keep-alive GET / with a switch on vs off in the same child process: one load run, the switch toggled every
     * SLICE_MS inside it and every slice measured in the server (toggleCost). The cost row in req/s and, beside it,
     * in server CPU per request and the main thread's µs per request, each with its interval.
     */
    const costOfSwitch = async (
      id: 'event-stream' | 'recorder' | 'log-line' | 'switch-noise',
      title: string,
      labels: [string, string],
      switchName: ToggleSwitch,
      /** null for the A/A row: no target, met? says whether its interval holds 0. */
      maxCostPercent: number | null,
      /** What the switch counts per request (events, lines); null when it counts nothing. */
      countLabel: string | null,
    ): Promise<void> => {
      // As many seconds of measured load as the rounds gave before (rounds × 2 sides × duration), in slices.
      const measuredS = config.switchRounds * 2 * config.switchDurationS;
      const slices = Math.max(2, 2 * Math.round((measuredS * 1000) / SLICE_MS / 2));
      // As a scenario's first round had: the switch's code paths, and the server after the rows before, warm up.
      const warmupS = Math.max(config.warmupS, COLD_WARMUP_S);
      const toggleS = ((WARMUP_SLICES + slices) * SLICE_MS) / 1000;
      const processes = config.switchProcesses;
      console.log(
        `  ${processes > 1 ? `${processes} processes, each a fresh Poolscope child with ` : ''}one load of ${warmupS} s + ${toggleS} s: ` +
          `${labels[0]} / ${labels[1]} switched every ${SLICE_MS / 1000} s ` +
          `(${slices} measured slices after ${WARMUP_SLICES} unmeasured, each measured from ${SETTLE_MS} ms after the switch)`,
      );
      /** One load on `server` with the switch toggled inside it: its measured slices. */
      const measureRun = async (server: ServerProcess): Promise<ToggleSlice[]> => {
        // The load outlasts the slices by a margin: timers in a busy server run late by a few ms a slice.
        const loadDone = runLoad(generators.keepAlive, {
          host: HOST,
          port: server.port,
          path: '/',
          connections: config.connections,
          durationS: warmupS + toggleS + Math.max(3, toggleS * 0.05),
          closeEachConnection: false,
          ...pinnedLoad(config),
        });
        let isLoadDone = false;
        void loadDone.then(() => {
          isLoadDone = true;
        });
        await new Promise((done) => setTimeout(done, warmupS * 1000));
        const measured = await server.toggle(switchName, { sliceMs: SLICE_MS, settleMs: SETTLE_MS, warmupSlices: WARMUP_SLICES, slices });
        if (isLoadDone) console.log('  WARNING: the load ended before the last slice: its last slices were measured without load');
        const load = await loadDone;
        if (switchName === 'record' || switchName === 'record-whole') {
          // What the history was left holding: a recorder that saw every request whole holds at most one per connection.
          const held = await server.historyState();
          console.log(
            `  the recorder's state at its last event: ${fmtInt(held.requestsInFlight)} requests in flight, ${fmtInt(held.jobsQueued)} jobs queued ` +
              `(${fmtInt(held.events)} events held)${held.requestsInFlight > config.connections ? ': requests it saw half of, never answered' : ''}` +
              (held.requestsLeftHalf > 0
                ? `; ${fmtInt(held.requestsLeftHalf)} requests left half-recorded when a drain outlasted its limit`
                : ''),
          );
        }
        console.log(
          `  whole load (both sides): ${fmtInt(load.requestsPerS)} req/s, p50 ${fmtMs(load.p50Ms)}, p99 ${fmtMs(load.p99Ms)}${problemsOf(load)}`,
        );
        return measured;
      };
      const runs: ToggleSlice[][] = [];
      if (processes === 1) runs.push(await measureRun(poolscope));
      else {
        for (let processNumber = 1; processNumber <= processes; processNumber++) {
          // A fresh child each: a process's JIT decisions are part of what a switch costs, and differ between processes.
          const fresh = await spawnKind('poolscope');
          try {
            runs.push(await measureRun(fresh));
          } finally {
            await fresh.stop();
            started.splice(started.indexOf(fresh), 1);
          }
        }
      }
      const cost = toggleCost(runs, maxCostPercent ?? 0, PAIRS_PER_BOOTSTRAP_BLOCK);
      if (processes > 1) {
        for (const [i, alone] of cost.costPercentByRun.entries())
          console.log(`  process ${i + 1} of ${processes}: cost ${formatEstimate(alone, 1, '%')}`);
      }
      console.log(
        `  ${id}: ${cost.pairs} pairs; on ÷ off req/s by pair, in order: ${cost.throughputRatios.map((r) => r.toFixed(2)).join(' ')}`,
      );
      if (cost.stealMs > 0) console.log(`  the hypervisor stole ${fmtInt(cost.stealMs)} ms of CPU during the measured slices`);
      const perRequest = cost.countedPerRequest;
      // Nothing seen means the switch is not wired: the measured "cost" would be meaningless. (The log prints its
      // lines in batches, so a slice's last few may fall in the next: a little under 1 line per request is right.)
      if (countLabel !== null && perRequest < 0.9) console.log(`  WARNING: only ${perRequest.toFixed(2)} ${countLabel} per request`);
      // The A/A row's "verdict": whether a switch that changes nothing read a cost this run's interval cannot tell from 0.
      const verdict = maxCostPercent === null ? verdictOf(cost.costPercent, 'holding', 0) : cost.verdict;
      reports.push({
        id,
        title,
        unit: 'req/s',
        poolscope: cost.onRequestsPerS,
        baseline: cost.offRequestsPerS,
        baselineLabel: labels[1],
        ratio: cost.throughput.median,
        note: [
          `cost ${formatEstimate(cost.costPercent, 1, '%')}`,
          processes > 1 ? `by process: ${cost.costPercentByRun.map((each) => `${each.median.toFixed(1)}%`).join(', ')}` : undefined,
          `CPU/req ${signed(cost.cpuCostPercent.median)}% [${signed(cost.cpuCostPercent.low)}…${signed(cost.cpuCostPercent.high)}]` +
            (maxCostPercent === null ? '' : `: ${cost.cpuVerdict} by CPU`),
          Number.isNaN(cost.mainThreadUs.median)
            ? undefined
            : `main ${signed(cost.mainThreadUs.median)} µs/req [${signed(cost.mainThreadUs.low)}…${signed(cost.mainThreadUs.high)}]`,
          countLabel === null ? undefined : `${perRequest.toFixed(1)} ${countLabel}/req`,
          `${cost.pairs} pairs, IQR ${cost.throughput.q1.toFixed(2)}–${cost.throughput.q3.toFixed(2)}`,
        ]
          .filter(Boolean)
          .join(', '),
        cpuCostPercent: cost.cpuCostPercent.median,
        mainThreadCpuCostUs: cost.mainThreadUs.median,
        target: maxCostPercent === null ? 'interval holds 0' : `cost < ${maxCostPercent}%`,
        isMet: verdict === 'met',
        verdict,
        estimate: cost.throughput,
        pairedRatios: [...cost.throughputRatios].sort((a, b) => a - b),
        eventsPerRequest: perRequest,
        slices: runs.flat(),
        slicesPerProcess: processes > 1 ? runs.map((run) => run.length) : undefined,
        costPercentByProcess: processes > 1 ? cost.costPercentByRun : undefined,
      });
    };
    if (wants('event-stream')) {
      const taken = config.observedEventTypes === null ? '' : ` taking only ${config.observedEventTypes.join(', ')}`;
      console.log(`\nevent stream: keep-alive GET / with and without a subscriber${taken} (one process, switched every second)`);
      await costOfSwitch(
        'event-stream',
        // A run that took only some types is not the row's measurement: its title (and latest.json's) says which.
        `event-stream cost${taken}`,
        ['poolscope + subscriber', 'poolscope unobserved'],
        'observe',
        TARGETS.eventStreamMaxCostPercent,
        'events',
      );
    }
    if (wants('recorder')) {
      console.log(
        '\nrecorder: keep-alive GET / with and without the flight recorder the app keeps (one process, switched every second; ' +
          (config.recorderSwitch === 'record-whole'
            ? 'it records the requests received while on, whole)'
            : 'every event while on, requests in flight at a switch half-recorded)'),
      );
      await costOfSwitch(
        'recorder',
        'flight recorder cost',
        ['poolscope + recorder', 'poolscope unobserved'],
        config.recorderSwitch,
        TARGETS.recorderMaxCostPercent,
        'events',
      );
    }
    if (wants('log-line')) {
      console.log(`\nlog line: keep-alive GET / with serve's per-request lines printed to ${BOOK_LOG_PATH} and without`);
      await costOfSwitch(
        'log-line',
        'log line cost',
        ['poolscope + book log', 'poolscope no log'],
        'log',
        TARGETS.logLineMaxCostPercent,
        'lines',
      );
    }

    if (wants('switch-noise')) {
      console.log('\nswitch noise (A/A): keep-alive GET / switched every second by a switch that changes nothing');
      await costOfSwitch('switch-noise', 'on/off method, nothing switched (A/A)', ['poolscope', 'poolscope'], 'none', null, null);
    }

    if (wants('burst')) {
      console.log(`\nburst: ${config.burstCount} × GET /sleep (${config.burstSleepMs} ms) on ${config.workerCount} workers`);
      const burst = await measureBurst(poolscope, config);
      const ratio = burst.medianMakespanMs / burst.idealMs;
      reports.push({
        id: 'burst',
        title: `burst makespan ${config.burstCount}×/sleep`,
        unit: 'ms',
        poolscope: burst.medianMakespanMs,
        baseline: burst.idealMs,
        baselineLabel: 'ideal',
        ratio,
        target: `≤ ${TARGETS.burstMaxRatio.toFixed(2)}×`,
        isMet: ratio <= TARGETS.burstMaxRatio,
        burst,
      });
    }
    if (wants('memory')) {
      console.log(`\nmemory: serve's peak RSS with ${MEMORY_WORKER_COUNTS.join(', ')} workers, built and under tsx`);
      const memory = await measureMemory(generators.keepAlive, RESULTS_DIR);
      const counts = MEMORY_WORKER_COUNTS.map(
        (n) => `${n}w ${memory.peakRssMb.built[n]!.toFixed(0)}/${memory.peakRssMb.tsx[n]!.toFixed(0)} MB`,
      );
      reports.push({
        id: 'memory',
        title: 'memory per added worker',
        unit: 'MB',
        poolscope: memory.mbPerAddedWorker.built,
        baseline: memory.mbPerAddedWorker.tsx,
        baselineLabel: 'under tsx',
        ratio: memory.mbPerAddedWorker.built / memory.mbPerAddedWorker.tsx,
        note: `peak RSS built/tsx: ${counts.join(', ')}`,
        target: `≤ ${TARGETS.memoryMaxMbPerWorker} MB`,
        isMet: memory.mbPerAddedWorker.built <= TARGETS.memoryMaxMbPerWorker,
        memory,
      });
    }
    if (wants('load-accuracy')) reports.push(await measureLoadAccuracy(poolscope.port, { ...config, durationS: config.switchDurationS }));

    if (wants('strategies') || wants('thread-startup')) {
      ensureBuilt();
      const byStrategy = await spawnStrategyServers(async (options) => {
        const server = await spawnServer('poolscope', { workerCount: config.workerCount, sleepMs: config.burstSleepMs, ...options });
        started.push(server);
        pinServer(server, config);
        return server;
      });
      const pool = byStrategy.get('pool')!;
      if (wants('strategies')) {
        console.log(
          `\nstrategies: keep-alive GET / against each strategy (${config.workerCount} workers where it has a pool), side by side`,
        );
        const sides = await alternate(
          'strategies',
          [...byStrategy].map(([strategy, server]) => ({
            label: `strategy ${strategy}`,
            server,
            prepare: () => settle(server),
            finish: () => settle(server),
          })),
          generators.keepAlive,
          false,
          { ...config, rounds: config.strategyRounds, durationS: config.strategyDurationS },
        );
        const poolSide = sides[0]!;
        sides.forEach((side, index) => {
          const ratios = pairedRatios(side, poolSide);
          reports.push({
            id: 'strategies',
            title: `${side.label}: GET / keep-alive`,
            unit: 'req/s',
            poolscope: side.median.requestsPerS,
            baseline: poolSide.median.requestsPerS,
            baselineLabel: 'strategy pool',
            ratio: side.median.requestsPerS / poolSide.median.requestsPerS,
            target: '-',
            isMet: true,
            note: index === 0 ? undefined : spreadNote(ratios),
            // The latency table lists the sides once: from the first row.
            sides: index === 0 ? sides : undefined,
            pairedRatios: ratios,
          });
        });
      }
      if (wants('thread-startup')) {
        console.log('\nthread start-up: GET / one at a time against strategy per-request, and against the pool');
        const startup = await measureThreadStartup(byStrategy.get('per-request')!, pool);
        console.log(`  median start-up ${fmtMs(startup.medianStartupMs)}; one GET / on the pool ${fmtMs(startup.poolRequestMedianMs)}`);
        reports.push({
          id: 'thread-startup',
          title: 'per-request: thread start-up (median)',
          unit: 'ms',
          poolscope: startup.medianStartupMs,
          baseline: startup.poolRequestMedianMs,
          baselineLabel: 'one GET / on the pool',
          ratio: startup.medianStartupMs / startup.poolRequestMedianMs,
          target: '-',
          isMet: true,
        });
      }
    }
    if (wants('history-memory')) reports.push(...(await measureHistoryMemory(poolscope, generators.keepAlive, config)));
  } finally {
    // Graceful, so a --cpu-prof child writes its profile.
    await Promise.all(started.map((server) => server.stop()));
  }

  printReports(reports);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const outputPath = join(RESULTS_DIR, 'latest.json');
  const document = {
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
    },
    loadGenerators: generators,
    config,
    targets: TARGETS,
    scenarios: reports,
  };
  writeFileSync(outputPath, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`\nWrote ${outputPath}`);
  if (config.cpuProfileDir !== null) printProfiles(config.cpuProfileDir, new Map(started.map((server) => [server.pid, server.kind])));
}

// Servers and load generators are child programs: the support module kills any still running when this process exits.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the servers and load generators`);
    killAllPrograms();
    process.exit(130);
  });
}

runBenchProgram('bench', main, '; --help lists the flags');
