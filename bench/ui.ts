// `npm run bench:ui`: what one dashboard page open in Chromium costs the server it watches, and what
// watching costs the page, side by side in one run:
// - keep-alive throughput (wrk, GET /, 4 workers, at saturation) with no page open vs one page open (target
//   ≥ 0.85×), as `npm run bench` decides its rows: short rounds, no page, page, no page, …, no page, each page round
//   against the mean of the no-page rounds either side (a steady drift cancels exactly, where A B B A pairs leave
//   one round of it in their median), the median of those ratios with its 95 % interval (a block bootstrap,
//   bench/stats.ts) and a verdict that is met or not met only when the whole interval is on one side of the target.
//   "No page" is the page's WebSocket closed (a close handshake, so the dashboard has dropped the viewer and its
//   publisher builds nothing) and the page navigated to about:blank; opening the page, its first frames (the whole
//   window from the recorder) and a settle, and a warm-up of load before every round, all fall outside the measured
//   seconds;
// - the page's main-thread CPU time at saturation, at 2,000 and at 20,000 requests/s (target ≤ 15 % of a core,
//   and flat in the rate; the kernel's account, beside the thread's busy wall time, which on a shared machine
//   also counts waiting for a core), messages received and CPU per message, frame times at saturation (p95 <
//   20 ms, none over 50 ms) and at each fixed rate, bytes/s sent to it. The frame times come from rounds of their
//   own: their recorder asks for a frame at every vsync, which the page alone does not, so the throughput and CPU
//   rows are read without it (and the CPU in its rounds is printed beside them); the CPU time of Chromium's GPU
//   process (the display compositor, in software here), of its browser process and of all its processes, beside the page's;
// - frame times at 2,000 requests/s with the stats area's time-series charts scrolled into view (the charts'
//   frame budget: p95 < 20 ms, none over 50 ms), and how many of the charts were redrawn meanwhile;
// - how long a click on Pause takes to show (target < 100 ms), and how many seconds of the 30 s window the
//   timeline covers at saturation (from its bucket and bar hooks).
// - replay: a generated recording of 100,000 requests opened in the page (Open run…), the scrub bar dragged
//   across it and back one step per animation frame; the time from each step to the frame that shows it
//   (p50 / p95 / max; target p95 ≤ 33 ms, a step shown within one or two animation frames), and how long the
//   recording took to open.
//
// Flags: --pairs N (page-open rounds of the ratio, each between two no-page rounds, default 20), --pair-s N (their
// measured seconds, default 2, after WARMUP_S of unmeasured load), --round-s N (each of the page's CPU and frame
// rounds, and of the fixed-rate, window and charts rounds, default 8), --rounds N (the page's CPU rounds at
// saturation, each followed by a frame recorder's round, default 2), --quick (4 pairs, which decide nothing, and
// rounds of 5 s, 1),
// --cpu-prof FILE (the page's JavaScript profile over the first of its CPU rounds at saturation, or over the scrub with
// --replay, written to FILE as a .cpuprofile for Chrome DevTools, with the functions of most self time printed; build the renderer unminified
// for readable names: `POOLSCOPE_MINIFY=0 npm run bench:ui -- --cpu-prof page.cpuprofile`),
// --server-cpu-prof FILE (the dashboard process run with Node's --cpu-prof: its main thread's profile written to
// FILE, with the functions of most self time over the ratio's page rounds printed, and the share of that thread
// under the frames' own functions in the ratio's rounds with and without a page),
// --replay (the replay section alone), --replay-requests N (default 100000), --scrub-steps N (each way, default 300).

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseArgs } from 'node:util';
import type { Browser, CDPSession, Page } from '@playwright/test';
import { startLoad } from '../src/load/load-generator';
import { type LoadSettings, validateLoadSettings } from '../src/shared/load-settings';
import { startDashboardProcess } from '../test/support/dashboard-process';
import { longRecording, writeRunFile } from '../test/support/long-recording';
import { percentile } from '../test/support/percentile';
import { findFreePort } from '../test/support/ports';
import { type CpuProfile, monotonicUs, type ProfileStretch, summarizeProfile } from './cpu-profile';
import { atLeast, numberFlag, runBenchProgram, wholeAtLeast } from './flags';
import { findWrk, runLoad } from './load';
import { launchChromium, mainThreadCpuS, waitForBookServer } from './measured-page';
import { bracketedRounds, estimateMedian, formatEstimate, pairWithOffNeighbours, type Verdict, verdictOf } from './stats';

const WORKERS = 4;
const WRK_CONNECTIONS = 50;
const WINDOW_S = 30;
/** Open-loop rates the page's CPU is measured at besides saturation. */
const FIXED_RATES_PER_S = [2_000, 20_000] as const;
/** The open-loop rate the stats area's charts must keep within the frame budget at (issue: charts at 2,000 req/s). */
const CHARTS_RATE_PER_S = 2_000;
/** Issue 9's target for keep-alive throughput with one page open over none. */
const MIN_WATCHED_RATIO = 0.85;
/**
 * Unmeasured load before every round of the ratio, page or not: a page that has just opened fills the timeline's
 * bars in the first second of load and swaps them for buckets, a cost of starting to watch rather than of watching.
 */
const WARMUP_S = 1;
/** Load before the first round of the ratio, with the page open: a fresh server and publisher take seconds to reach their pace. */
const COLD_WARMUP_S = 5;
/** After the page opened and its first frame came: the back-fill of its window and the first renders settle. */
const OPEN_SETTLE_MS = 1_000;
/** After the page's WebSocket closed: the dashboard hears the close and drops the viewer. */
const CLOSE_SETTLE_MS = 250;
/** How long a switch of the page may take before the run stops with an error. */
const SWITCH_TIMEOUT_MS = 10_000;
/**
 * Pairs resampled together in the bootstrap: a pair spans three rounds (about 8 s with the switches), neighbouring
 * pairs share a no-page round, and other load here comes in episodes of 2–4 s, so two pairs (about 16 s) carry what
 * one disturbance touches.
 */
const PAIRS_PER_BOOTSTRAP_BLOCK = 2;

interface Flags {
  pairs: number;
  pairS: number;
  roundS: number;
  rounds: number;
  cpuProfFile: string | null;
  serverCpuProfFile: string | null;
  isReplayOnly: boolean;
  replayRequests: number;
  scrubSteps: number;
}

function readFlags(): Flags {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string' },
      'pair-s': { type: 'string' },
      'round-s': { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean' },
      replay: { type: 'boolean' },
      'replay-requests': { type: 'string' },
      'scrub-steps': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'server-cpu-prof': { type: 'string' },
    },
  });
  const roundS = numberFlag('round-s', values['round-s'], values.quick ? 5 : 8, atLeast(2, 'a number of seconds'));
  const rounds = numberFlag('rounds', values.rounds, values.quick ? 1 : 2, wholeAtLeast(1));
  const pairs = numberFlag('pairs', values.pairs, values.quick ? 4 : 20, wholeAtLeast(1));
  const pairS = numberFlag('pair-s', values['pair-s'], 2, atLeast(1, 'a number of seconds'));
  const replayRequests = numberFlag('replay-requests', values['replay-requests'], 100_000, wholeAtLeast(1));
  const scrubSteps = numberFlag('scrub-steps', values['scrub-steps'], 300, wholeAtLeast(2));
  return {
    pairs,
    pairS,
    roundS,
    rounds,
    cpuProfFile: values['cpu-prof'] ?? null,
    serverCpuProfFile: values['server-cpu-prof'] ?? null,
    isReplayOnly: values.replay === true,
    replayRequests,
    scrubSteps,
  };
}

/**
 * Records the time between consecutive animation frames in the page, from now until FRAME_RECORDER_STOP_SOURCE (a
 * new start ends the one before). Source text: tsx helpers do not exist in the page. It asks for a frame at every
 * vsync, which the page alone does not (it paints about ten times a second): so it runs only in rounds of its own,
 * and the CPU and throughput figures come from rounds without it.
 */
const FRAME_RECORDER_SOURCE = `(() => {
  window.__frameTimesMs = [];
  const generation = (window.__frameRecorderGeneration ?? 0) + 1;
  window.__frameRecorderGeneration = generation;
  let last = performance.now();
  function tick(now) {
    if (window.__frameRecorderGeneration !== generation) return;
    window.__frameTimesMs.push(now - last);
    last = now;
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})()`;
const FRAME_RECORDER_STOP_SOURCE = 'window.__frameRecorderGeneration = (window.__frameRecorderGeneration ?? 0) + 1';

/** The frame times recorded since the last call, and the record emptied (needs FRAME_RECORDER_SOURCE running). */
async function takeFrameTimesMs(page: Page): Promise<number[]> {
  const frameTimesMs = await page.evaluate(() => (globalThis as unknown as { __frameTimesMs: number[] }).__frameTimesMs.splice(0));
  return frameTimesMs.sort((a, b) => a - b);
}

const frameBudgetMet = (sortedMs: number[]) => percentile(sortedMs, 95) < 20 && (sortedMs.at(-1) ?? Number.NaN) <= 50;
const frameTimeFigures = (sortedMs: number[]) =>
  `${percentile(sortedMs, 95).toFixed(1)} / ${(sortedMs.at(-1) ?? Number.NaN).toFixed(1)} ms (${sortedMs.length} frames)`;

/** Open-loop `GET /` at a constant rate for a round, as the page's fixed-rate rounds load the server. */
function constantLoadOfRoot(url: string, ratePerS: number, durationS: number): LoadSettings {
  const settings = validateLoadSettings({ url, ratePerS, durationS, mix: '/:1', arrivals: 'constant', connections: WRK_CONNECTIONS });
  if (!settings.ok) throw new Error(settings.error);
  return settings.value;
}

/** Whether the live charts' area overlaps the viewport. */
const CHARTS_IN_VIEW_SOURCE = `(() => {
  const box = document.querySelector('[data-testid=live-charts]').getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
})()`;

/** Each chart's data-points and data-latest, to tell whether it was redrawn over a round. */
const CHART_STATES_SOURCE = `[...document.querySelectorAll('[data-testid=live-chart]')].map((chart) => chart.dataset.points + '|' + chart.dataset.latest)`;

/**
 * Scrolls the stats area's live charts into view and loads the server open-loop at CHARTS_RATE_PER_S for a round:
 * the frame times while the charts redraw (uPlot, each time a frame brings new points), and how many charts there are
 * and changed.
 */
async function chartsInViewRound(
  page: Page,
  url: string,
  roundS: number,
): Promise<{ frameTimesMs: number[]; chartCount: number; redrawnChartCount: number }> {
  const charts = page.getByTestId('live-charts');
  await charts.scrollIntoViewIfNeeded();
  const isInView = (await page.evaluate(CHARTS_IN_VIEW_SOURCE)) as boolean;
  if (!isInView) throw new Error('The live charts could not be scrolled into view');
  const load = constantLoadOfRoot(url, CHARTS_RATE_PER_S, roundS);
  const before = (await page.evaluate(CHART_STATES_SOURCE)) as string[];
  await takeFrameTimesMs(page);
  await startLoad(load).done;
  const frameTimesMs = await takeFrameTimesMs(page);
  const after = (await page.evaluate(CHART_STATES_SOURCE)) as string[];
  return { frameTimesMs, chartCount: after.length, redrawnChartCount: after.filter((state, i) => state !== before[i]).length };
}

/** Clicks Pause in the page and resolves with the ms until a paint shows it pressed. */
const PAUSE_LATENCY_SOURCE = `new Promise((resolve) => {
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Pause');
  const clickedAt = performance.now();
  button.click();
  // Measured when the frame that shows it runs (a frame's own timestamp is when it began, maybe before the click).
  const check = () => {
    if (button.getAttribute('aria-pressed') === 'true') resolve(performance.now() - clickedAt);
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

/**
 * Keeps every WebSocket the page opens in `window.__benchSockets` (an init script, run before the page's own), so
 * the page can be left with its sockets closed: Chromium reports no close of a page's socket when it navigates
 * away, and the dashboard drops a viewer only once it hears the close.
 */
const SOCKET_REGISTRY_SOURCE = `(() => {
  const Native = window.WebSocket;
  const sockets = (window.__benchSockets = []);
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  };
})()`;

/** Closes the page's open WebSockets and resolves once each close handshake is done (the dashboard has heard it). */
const CLOSE_SOCKETS_SOURCE = `Promise.all(
  window.__benchSockets
    .filter((socket) => socket.readyState !== WebSocket.CLOSED)
    .map((socket) => new Promise((resolve) => {
      socket.addEventListener('close', resolve);
      socket.close(1000, 'bench:ui: no page');
    })),
)`;

/** Whole seconds of the last 30 s that a bucket or bar hook of the timeline overlaps. */
const COVERED_SECONDS_SOURCE = `(() => {
  const last = Math.floor(Date.now() / 1000) - 1;
  const covered = new Set();
  for (const hook of document.querySelectorAll('[data-testid=timeline-bucket], [data-testid=timeline-bar]')) {
    const from = Number(hook.dataset.fromMs);
    const to = Number(hook.dataset.toMs);
    for (let s = Math.floor(from / 1000); s * 1000 < to; s++) if (s > last - ${WINDOW_S} && s <= last) covered.add(s);
  }
  return covered.size;
})()`;

/** Chromium's main-thread time counters (s), read before and after a stretch. */
const TIME_METRICS = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration'] as const;
type TimeMetric = (typeof TIME_METRICS)[number];
type TimeShares = Record<TimeMetric, number>;

/** What the page cost over a stretch of time, each per second of it. */
interface Stretch {
  /** Wall time of the main thread's tasks, and of their script, style and layout parts (s/s). */
  busy: TimeShares;
  /** CPU time of the renderers' main threads, and of all their threads (s/s). */
  mainThreadCpu: number;
  rendererCpu: number;
  /**
   * CPU time of the GPU process (with --disable-gpu, the display compositor drawing every compositor frame in
   * software), of the browser process and of all Chromium's processes (s/s).
   */
  gpuCpu: number;
  browserCpu: number;
  chromiumCpu: number;
  bytesPerS: number;
  /** WebSocket messages received: frames, and the answers to queries. */
  messagesPerS: number;
}

/**
 * The page's main-thread busy time, the CPU time of the browser's renderer processes and the bytes the page's
 * WebSocket received, read before and after a stretch. Busy time is wall time of the page's tasks: on a machine
 * whose cores are shared with other work it grows while the thread waits for a core. The CPU time is the kernel's
 * account of what the renderers used (all their threads: main, compositor, raster), far less disturbed by that.
 */
class PageMeter {
  private bytes = 0;
  private messages = 0;

  private constructor(
    private readonly cdp: CDPSession,
    private readonly browserCdp: CDPSession,
  ) {
    cdp.on('Network.webSocketFrameReceived', (event) => {
      this.bytes += event.response.payloadData.length;
      this.messages++;
    });
  }

  /** Messages received by the page so far. */
  get messagesReceived(): number {
    return this.messages;
  }

  static async attach(browser: Browser, page: Page): Promise<PageMeter> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('Network.enable');
    return new PageMeter(cdp, await browser.newBrowserCDPSession());
  }

  /**
   * CPU s used so far by every renderer process (the page's and any idle spare), all threads and the main
   * threads alone (the kernel's per-thread account, Linux only: NaN elsewhere).
   */
  private async rendererCpuS(): Promise<{ all: number; main: number; gpu: number; browser: number; chromium: number }> {
    const { processInfo } = (await this.browserCdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: Array<{ type: string; id: number; cpuTime: number }>;
    };
    const cpuOf = (type: string | null) =>
      processInfo.filter((p) => type === null || p.type === type).reduce((sum, p) => sum + p.cpuTime, 0);
    const renderers = processInfo.filter((p) => p.type === 'renderer');
    return {
      all: cpuOf('renderer'),
      main: renderers.reduce((sum, p) => sum + mainThreadCpuS(p.id), 0),
      gpu: cpuOf('GPU'),
      browser: cpuOf('browser'),
      chromium: cpuOf(null),
    };
  }

  /** Chromium's main-thread time counters in s (TaskDuration is all of it; the others are parts). */
  private async times(): Promise<TimeShares> {
    const { metrics } = await this.cdp.send('Performance.getMetrics');
    const times = {} as TimeShares;
    for (const name of TIME_METRICS) times[name] = metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    return times;
  }

  async measure<T>(work: () => Promise<T>): Promise<{ result: T; stretch: Stretch }> {
    const timesAt = await this.times();
    const cpuAt = await this.rendererCpuS();
    const bytesAt = this.bytes;
    const messagesAt = this.messages;
    const startedAt = performance.now();
    const result = await work();
    const elapsedS = (performance.now() - startedAt) / 1000;
    const timesAfter = await this.times();
    const cpuAfter = await this.rendererCpuS();
    const busy = {} as TimeShares;
    for (const name of TIME_METRICS) busy[name] = (timesAfter[name] - timesAt[name]) / elapsedS;
    return {
      result,
      stretch: {
        busy,
        mainThreadCpu: (cpuAfter.main - cpuAt.main) / elapsedS,
        rendererCpu: (cpuAfter.all - cpuAt.all) / elapsedS,
        gpuCpu: (cpuAfter.gpu - cpuAt.gpu) / elapsedS,
        browserCpu: (cpuAfter.browser - cpuAt.browser) / elapsedS,
        chromiumCpu: (cpuAfter.chromium - cpuAt.chromium) / elapsedS,
        bytesPerS: (this.bytes - bytesAt) / elapsedS,
        messagesPerS: (this.messages - messagesAt) / elapsedS,
      },
    };
  }

  async startProfile(): Promise<void> {
    await this.cdp.send('Profiler.enable');
    await this.cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await this.cdp.send('Profiler.start');
  }

  async stopProfile(): Promise<CpuProfile> {
    const { profile } = await this.cdp.send('Profiler.stop');
    return profile as CpuProfile;
  }
}

/**
 * Drags the replay's scrub bar across the run and back, one step per animation frame as a pointer drag would, and
 * resolves with each step's ms until the page committed a frame showing it (or a later step: a step the page
 * skipped because a newer one came counts until that one shows). A frame shows a step when the replay bar's
 * data-cursor-ms (the moment of the frame shown, ms into the run) is the step's; the frame's panels are
 * committed to the DOM in the same render, and painted at the end of that animation frame.
 */
const SCRUB_SOURCE = `(async ({ steps }) => {
  const slider = document.querySelector('input[aria-label="Replay position"]');
  const bar = document.querySelector('[data-testid=replay-bar]');
  const durationMs = Number(bar.dataset.durationMs);
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  // Whole ms, even going forward and odd coming back: every step's value is its own.
  const values = [];
  for (let i = 1; i <= steps; i++) values.push(2 * Math.floor((durationMs * i) / steps / 2));
  for (let i = steps - 1; i >= 1; i--) values.push(2 * Math.floor((durationMs * i) / steps / 2) + 1);
  const indexOf = new Map(values.map((value, i) => [value, i]));
  const shown = [];
  const observer = new MutationObserver(() => shown.push({ index: indexOf.get(Number(bar.dataset.cursorMs)) ?? -1, at: performance.now() }));
  observer.observe(bar, { attributes: true, attributeFilter: ['data-cursor-ms'] });
  const asked = [];
  for (const value of values) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    setValue.call(slider, String(value));
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    asked.push(performance.now());
  }
  const lastIndex = values.length - 1;
  const deadline = performance.now() + 30000;
  while (!shown.some((s) => s.index === lastIndex) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  return asked.map((askedAt, i) => {
    const first = shown.find((s) => s.at >= askedAt && s.index >= i);
    return first === undefined ? null : first.at - askedAt;
  });
})`;

/** The replay section: a long recording opened in the page, then scrubbed. */
async function replayRows(browser: Browser, dashboardUrl: string, flags: Flags): Promise<Array<[string, string]>> {
  const recording = longRecording(flags.replayRequests);
  const file = join(tmpdir(), `poolscope-bench-replay-${process.pid}.poolscope.jsonl`);
  const bytes = writeRunFile(file, recording);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(dashboardUrl);
    await page.getByTestId('server-status').waitFor();
    const openedAt = performance.now();
    await page.getByTestId('open-run-input').setInputFiles(file);
    await page.locator('[data-testid=replay-bar][data-phase=open]').waitFor({ timeout: 300_000 });
    const openS = (performance.now() - openedAt) / 1000;
    await page.evaluate(FRAME_RECORDER_SOURCE);
    // With --replay, --cpu-prof profiles the scrub (without it, the first watched saturation round).
    const meter = flags.isReplayOnly && flags.cpuProfFile !== null ? await PageMeter.attach(browser, page) : null;
    await meter?.startProfile();
    const latencies = (await page.evaluate(`${SCRUB_SOURCE}({ steps: ${flags.scrubSteps} })`)) as Array<number | null>;
    if (meter !== null && flags.cpuProfFile !== null) printProfile(flags.cpuProfFile, 'the scrub', await meter.stopProfile());
    const frameTimesMs = await takeFrameTimesMs(page);
    const shownMs = latencies.filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
    const p95 = percentile(shownMs, 95);
    return [
      [
        'replay: recording opened',
        `${flags.replayRequests.toLocaleString('en-US')} requests, ${recording.events.length.toLocaleString('en-US')} events, ${(bytes / 1024 / 1024).toFixed(0)} MiB, in ${openS.toFixed(1)} s (read and prepared)`,
      ],
      ['replay: scrub steps shown', `${shownMs.length} of ${latencies.length} (forward across the run, then back)`],
      [
        'replay: scrub step to frame p50 / p95',
        `${percentile(shownMs, 50).toFixed(1)} / ${p95.toFixed(1)} ms  (p95 ≤ 33 ms: ${p95 <= 33 ? 'met' : 'NOT met'})`,
      ],
      ['replay: scrub step to frame max', `${(shownMs.at(-1) ?? Number.NaN).toFixed(1)} ms`],
      ['replay: frame time p95 while scrubbing', `${percentile(frameTimesMs, 95).toFixed(1)} ms`],
    ];
  } finally {
    await page.close();
    rmSync(file, { force: true });
  }
}

/** Writes the page's profile to `file` and prints the functions of most self time. */
function printProfile(file: string, over: string, profile: CpuProfile): void {
  writeFileSync(file, JSON.stringify(profile));
  console.log(`\nThe page's profile over ${over}: ${file}; most self time:`);
  const { sampledUs, selfUs } = summarizeProfile(profile);
  for (const [name, us] of selfUs.slice(0, 25)) console.log(`${percent(us / Math.max(1, sampledUs)).padStart(7)}  ${name}`);
}

function printRows(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(title);
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
}

/** --replay: the replay section alone, against a dashboard whose server is not started. */
async function mainReplayOnly(flags: Flags): Promise<void> {
  const dashboard = await startDashboardProcess();
  const browser = await launchChromium();
  try {
    const rows = await replayRows(browser, dashboard.url, flags);
    printRows(`\nPoolscope bench:ui --replay — Chromium ${browser.version()}\n`, rows);
  } finally {
    await browser.close();
    await dashboard.program.stop();
  }
}

/** Polls `condition` until it holds; throws `failure` after SWITCH_TIMEOUT_MS. */
async function waitUntil(condition: () => boolean, failure: string): Promise<void> {
  const deadline = performance.now() + SWITCH_TIMEOUT_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${failure} within ${SWITCH_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A side's rounds of the ratio: the median round and the range, req/s (sorted ascending). */
const sideFigures = (sortedRequestsPerS: readonly number[], roundS: number) =>
  `${percentile(sortedRequestsPerS, 50).toFixed(0)} median of ${sortedRequestsPerS.length} rounds of ${roundS} s ` +
  `(${(sortedRequestsPerS[0] ?? Number.NaN).toFixed(0)}–${(sortedRequestsPerS.at(-1) ?? Number.NaN).toFixed(0)})`;
const verdictWords: Record<Verdict, string> = { met: 'met', 'not met': 'NOT met', undecided: 'undecided' };
const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const flags = readFlags();
  if (flags.isReplayOnly) return mainReplayOnly(flags);
  if (findWrk() === null) throw new Error('wrk is not installed: it drives the server to saturation here');
  const bookPort = await findFreePort();
  const serverProfileDir = flags.serverCpuProfFile === null ? null : mkdtempSync(join(tmpdir(), 'poolscope-bench-ui-prof-'));
  const dashboard = await startDashboardProcess(
    ['--start', '--port', String(bookPort), '--workers', String(WORKERS)],
    serverProfileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', serverProfileDir],
  );
  const browser = await launchChromium();
  /** The saturation rounds on the dashboard's profile clock: nobody watching, and one page open. */
  const aloneStretches: ProfileStretch[] = [];
  const watchedStretches: ProfileStretch[] = [];
  let serverProfileRows: string[] = [];
  try {
    await waitForBookServer(bookPort);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const meter = await PageMeter.attach(browser, page);
    await page.addInitScript(SOCKET_REGISTRY_SOURCE);
    const saturateOnce = (durationS = flags.roundS) =>
      runLoad('wrk', {
        host: '127.0.0.1',
        port: bookPort,
        path: '/',
        connections: WRK_CONNECTIONS,
        durationS,
        closeEachConnection: false,
      });
    const saturate = async (stretches: ProfileStretch[] = [], durationS = flags.roundS) => {
      const fromUs = monotonicUs();
      const result = await saturateOnce(durationS);
      stretches.push({ fromUs, toUs: monotonicUs() });
      return result;
    };
    /** The dashboard opened in the page, its first frame received, and a settle. */
    const openDashboard = async () => {
      const messagesAt = meter.messagesReceived;
      await page.goto(dashboard.url);
      await page.getByTestId('server-status').getByText('Listening').waitFor();
      await waitUntil(() => meter.messagesReceived > messagesAt, 'the dashboard sent the page nothing');
      await new Promise((r) => setTimeout(r, OPEN_SETTLE_MS));
    };
    /** No page: the page elsewhere and its WebSocket closed, so the publisher has no viewer left. */
    const closeDashboard = async () => {
      await Promise.race([
        page.evaluate(CLOSE_SOCKETS_SOURCE),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`The page's WebSocket did not close within ${SWITCH_TIMEOUT_MS} ms`)), SWITCH_TIMEOUT_MS),
        ),
      ]);
      // Before the page's reconnect (a backoff of its own) can open another.
      await page.goto('about:blank');
      await new Promise((r) => setTimeout(r, CLOSE_SETTLE_MS));
    };

    // The ratio: no page, page, no page, …, no page in short rounds, each page round paired with the no-page
    // rounds either side of it; the switches, settles and warm-ups between the measured seconds.
    await openDashboard();
    await saturateOnce(COLD_WARMUP_S);
    const isWatchedRound = bracketedRounds(flags.pairs);
    const roundRequestsPerS: number[] = [];
    let isPageOpen = true;
    for (const isWatched of isWatchedRound) {
      if (isWatched !== isPageOpen) {
        await (isWatched ? openDashboard() : closeDashboard());
        isPageOpen = isWatched;
      }
      await saturateOnce(WARMUP_S);
      roundRequestsPerS.push((await saturate(isWatched ? watchedStretches : aloneStretches, flags.pairS)).requestsPerS);
    }
    const pairedRatios = pairWithOffNeighbours(isWatchedRound, roundRequestsPerS);
    const ratio = estimateMedian(pairedRatios, { blockLength: PAIRS_PER_BOOTSTRAP_BLOCK });
    const ratioVerdict = verdictOf(ratio, 'at least', MIN_WATCHED_RATIO);
    const sideRequestsPerS = (isWatched: boolean) =>
      roundRequestsPerS.filter((_, i) => isWatchedRound[i] === isWatched).sort((a, b) => a - b);
    const [alone, watched] = [sideRequestsPerS(false), sideRequestsPerS(true)];
    console.log(`page open ÷ no page, ${pairedRatios.length} pairs in order: ${pairedRatios.map((r) => r.toFixed(2)).join(' ')}`);

    // The page's CPU at saturation, then the frames in a saturated round of their own, with the page open.
    await openDashboard();
    const saturated: Stretch[] = [];
    /** The same page at saturation in the frame recorder's own rounds: what recording every frame adds. */
    const saturatedRecorded: Stretch[] = [];
    let frameTimesMs: number[] = [];
    const profiles: CpuProfile[] = [];
    for (let round = 0; round < flags.rounds; round++) {
      if (flags.cpuProfFile !== null) await meter.startProfile();
      const { stretch } = await meter.measure(() => saturateOnce());
      if (flags.cpuProfFile !== null) profiles.push(await meter.stopProfile());
      saturated.push(stretch);
      // The frames, in a saturated round of their own (not counted in the throughput ratio).
      await page.evaluate(FRAME_RECORDER_SOURCE);
      saturatedRecorded.push((await meter.measure(saturateOnce)).stretch);
      frameTimesMs = frameTimesMs.concat(await takeFrameTimesMs(page));
      await page.evaluate(FRAME_RECORDER_STOP_SOURCE);
    }

    // The window at saturation (the recorder kept every round, watched or not), then a Pause under load.
    const lastRound = saturate();
    await new Promise((r) => setTimeout(r, (flags.roundS * 1000) / 2));
    const coveredSeconds = (await page.evaluate(COVERED_SECONDS_SOURCE)) as number;
    const pauseLatencyMs = (await page.evaluate(PAUSE_LATENCY_SOURCE)) as number;
    await lastRound;
    await page.getByRole('button', { name: 'Resume' }).click();

    // The page's cost at fixed rates: it must not grow with the traffic.
    const atRate = new Map<number, Stretch>();
    const atRateRecorded = new Map<number, Stretch>();
    const frameTimesAtRateMs = new Map<number, number[]>();
    for (const ratePerS of FIXED_RATES_PER_S) {
      const load = constantLoadOfRoot(`http://127.0.0.1:${bookPort}`, ratePerS, flags.roundS);
      const { result, stretch } = await meter.measure(() => startLoad(load).done);
      atRate.set(ratePerS, stretch);
      process.stdout.write(`(${ratePerS} req/s asked: ${(result.completed / flags.roundS).toFixed(0)} answered per s)\n`);
      await page.evaluate(FRAME_RECORDER_SOURCE);
      atRateRecorded.set(ratePerS, (await meter.measure(() => startLoad(load).done)).stretch);
      frameTimesAtRateMs.set(ratePerS, await takeFrameTimesMs(page));
    }

    // The charts' frame budget: the stats area's time-series charts scrolled into view at CHARTS_RATE_PER_S.
    const charts = await chartsInViewRound(page, `http://127.0.0.1:${bookPort}`, flags.roundS);

    frameTimesMs.sort((a, b) => a - b);
    const p95 = percentile(frameTimesMs, 95);
    const worst = frameTimesMs.at(-1) ?? Number.NaN;
    /** One figure at saturation (mean of the rounds), then at each fixed rate; by default of the rounds without the frame recorder. */
    const byRate = (figure: (stretch: Stretch) => number, format: (value: number) => string, isRecorded = false) =>
      [
        `${format(mean((isRecorded ? saturatedRecorded : saturated).map(figure)))} at saturation`,
        ...FIXED_RATES_PER_S.map((rate) => `${format(figure((isRecorded ? atRateRecorded : atRate).get(rate)!))} at ${rate} req/s`),
      ].join(' · ');
    const mainCpuSat = mean(saturated.map((stretch) => stretch.mainThreadCpu));
    const rows: Array<[string, string]> = [
      ['keep-alive req/s, no page open', sideFigures(alone, flags.pairS)],
      ['keep-alive req/s, one page open', sideFigures(watched, flags.pairS)],
      [
        'page open / no page',
        `${formatEstimate(ratio, 2, '×')}  (target ≥ ${MIN_WATCHED_RATIO.toFixed(2)}×: ${verdictWords[ratioVerdict]}; ` +
          `median of ${ratio.count} pairs with its 95 % interval, IQR ${ratio.q1.toFixed(2)}–${ratio.q3.toFixed(2)})`,
      ],
      [
        "page's main thread, CPU time",
        `${byRate((stretch) => stretch.mainThreadCpu, percent)}  (target ≤ 15 % at saturation: ${mainCpuSat <= 0.15 ? 'met' : 'NOT met'})`,
      ],
      ["page's renderer, CPU time of all threads", byRate((stretch) => stretch.rendererCpu, percent)],
      ["Chromium's GPU process (display compositor), CPU time", byRate((stretch) => stretch.gpuCpu, percent)],
      ["Chromium's browser process, CPU time", byRate((stretch) => stretch.browserCpu, percent)],
      ["all of Chromium's processes, CPU time", byRate((stretch) => stretch.chromiumCpu, percent)],
      [
        "  the same two, in the frame recorder's rounds",
        `${byRate((stretch) => stretch.mainThreadCpu, percent, true)}  /  ${byRate((stretch) => stretch.rendererCpu, percent, true)}`,
      ],
      ["page's main thread, busy (wall) time", byRate((stretch) => stretch.busy.TaskDuration, percent)],
      [
        '  of which script / style / layout at saturation',
        (['ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration'] as const)
          .map((name) => percent(mean(saturated.map((stretch) => stretch.busy[name]))))
          .join(' / '),
      ],
      [
        'messages received by the page per s',
        byRate(
          (stretch) => stretch.messagesPerS,
          (value) => value.toFixed(1),
        ),
      ],
      [
        'main thread CPU per message',
        byRate(
          (stretch) => (stretch.mainThreadCpu * 1000) / Math.max(1e-9, stretch.messagesPerS),
          (ms) => `${ms.toFixed(2)} ms`,
        ),
      ],
      ['frames measured at saturation (rounds of their own, not in the CPU or throughput rows)', String(frameTimesMs.length)],
      [
        'frame time p50 / p95',
        `${percentile(frameTimesMs, 50).toFixed(1)} / ${p95.toFixed(1)} ms  (p95 < 20 ms: ${p95 < 20 ? 'met' : 'NOT met'})`,
      ],
      ['frame time max', `${worst.toFixed(1)} ms  (none over 50 ms: ${worst <= 50 ? 'met' : 'NOT met'})`],
      [
        'frame time p95 / max at fixed rates',
        FIXED_RATES_PER_S.map((rate) => `${frameTimeFigures(frameTimesAtRateMs.get(rate)!)} at ${rate} req/s`).join(' · '),
      ],
      [
        `frame time p95 / max at ${CHARTS_RATE_PER_S} req/s, charts in view`,
        `${frameTimeFigures(charts.frameTimesMs)}  (p95 < 20 ms and none over 50 ms: ${frameBudgetMet(charts.frameTimesMs) ? 'met' : 'NOT met'}; ` +
          `${charts.chartCount} charts, ${charts.redrawnChartCount} redrawn during the round)`,
      ],
      ['Pause shows after', `${pauseLatencyMs.toFixed(1)} ms  (< 100 ms: ${pauseLatencyMs < 100 ? 'met' : 'NOT met'})`],
      ['30 s window covered at saturation', `${coveredSeconds} s of ${WINDOW_S}`],
      [
        'bytes/s to the viewer',
        byRate(
          (stretch) => stretch.bytesPerS,
          (bytes) => `${(bytes / 1024).toFixed(1)} KiB/s`,
        ),
      ],
    ];
    await page.close();
    rows.push(...(await replayRows(browser, dashboard.url, flags)));
    printRows(
      `\nPoolscope bench:ui — ${flags.pairs} page rounds of ${flags.pairS} s between ${flags.pairs + 1} no-page rounds; ` +
        `${flags.rounds} × 2 page rounds of ${flags.roundS} s for its CPU and frames; wrk ${WRK_CONNECTIONS} connections, ${WORKERS} workers, Chromium ${browser.version()}\n`,
      rows,
    );
    const profile = profiles[0];
    if (flags.cpuProfFile !== null && profile !== undefined) printProfile(flags.cpuProfFile, 'the first watched round', profile);
  } finally {
    await browser.close();
    // Graceful, so the --cpu-prof child writes its profile.
    await dashboard.program.stop();
    if (serverProfileDir !== null && flags.serverCpuProfFile !== null) {
      serverProfileRows = serverProfileReport(serverProfileDir, flags.serverCpuProfFile, aloneStretches, watchedStretches);
      rmSync(serverProfileDir, { recursive: true, force: true });
    }
  }
  for (const row of serverProfileRows) console.log(row);
}

/**
 * The frames' own functions (src/main/publisher.ts, src/history/viewer-frames.ts) and the steps of a frame, whose
 * time is counted wherever they are on the stack: what a frame costs the dashboard's main thread.
 */
const FRAME_FUNCTIONS = [
  'sendFrame',
  'build',
  'timelinePart',
  'timeline',
  'frameTimelineOf',
  'logPart',
  'statsPart',
  'liveStats',
  'stateAt',
  'activity',
  'stringify',
  'send',
] as const;

/**
 * The dashboard's main-thread profile (Node names it CPU.<date>.<time>.<pid>.<thread id 0>.<seq>.cpuprofile) copied
 * to `file`, and what it says over the saturation rounds: the functions of most self time while a page watched, and
 * the share of the thread's time under each frame function with a page and without.
 */
function serverProfileReport(dir: string, file: string, alone: ProfileStretch[], watched: ProfileStretch[]): string[] {
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
  if (name === undefined) return [`\nThe dashboard wrote no main-thread profile in ${dir}`];
  copyFileSync(join(dir, name), file);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const withPage = summarizeProfile(profile, watched, FRAME_FUNCTIONS);
  const withoutPage = summarizeProfile(profile, alone, FRAME_FUNCTIONS);
  const share = (us: number, of: number) => percent(us / Math.max(1, of)).padStart(7);
  return [
    `\nThe dashboard's main thread over the watched saturation rounds (${(withPage.sampledUs / 1e6).toFixed(1)} s sampled): ${file}; most self time:`,
    ...withPage.selfUs.slice(0, 25).map(([fn, us]) => `${share(us, withPage.sampledUs)}  ${fn}`),
    '\nShare of the main thread under each frame function (anywhere on the stack), one page open · no page open:',
    ...FRAME_FUNCTIONS.map(
      (fn) =>
        `${share(withPage.underUs.get(fn) ?? 0, withPage.sampledUs)} · ${share(withoutPage.underUs.get(fn) ?? 0, withoutPage.sampledUs)}  ${fn}`,
    ),
  ];
}

runBenchProgram('bench:ui', main);
