// What each store publish rewrites in the dashboard page under load, a probe for finding where the page's time
// goes (not a benchmark: bench:ui measures): React's renders per component (counted through React's DevTools hook,
// the names readable in an unminified build), DOM mutations per panel and per element (a MutationObserver),
// Chromium's style and layout counters and the main thread's CPU, idle, under wrk at saturation and at a fixed
// open-loop rate. `POOLSCOPE_MINIFY=0 npx electron-vite build && npx tsx bench/page-census.ts`, then:
// --round-s N (default 6), --rate N (default 2000), --burst (a round after Fire /sleep burst), --rate-only;
// --trace (the fixed-rate round traced instead: main-thread time per trace event, main frames that committed and
// those that did not, the longest tasks and what they held, paints by node, layouts' dirty objects); --trace-wrk (the
// same, of a round under wrk at saturation); --profile (the page's JavaScript profile over it; --profile-wrk, over a
// round under wrk at saturation after 3 s of it; PROFILE_OUT=FILE keeps the .cpuprofile);
// --layout-probe (after it, the forced layout one changed number costs, by element); --worst-frames (a round under wrk
// with a frame recorder at every vsync, traced: the longest frames, each with the wall time and the thread CPU time of
// the tasks of the page's main and compositor threads and of the display compositor inside it, and the main thread's
// time waiting for a core over the round); --processes [--rounds N] (rounds under wrk at saturation, default 4: each
// Chromium process's and thread's CPU from the kernel's accounts, the page's running animations and the timeline's
// data-motion halfway through each).
// Environment: CSS='…' adds a style sheet to the page (hide a panel, try a containment); TIME_LAYOUTS=1 forces and
// times a layout after each batch of mutations, by the panels the batch touched; BLANK_PAGE=1 with --worst-frames
// runs its round on a blank page instead (the frame recorder alone: what the machine leaves any page); SLIDE_AB=1 with
// --processes alternates the rounds with Web Animations paused where they start (the timeline's slide off) and not.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { startLoad } from '../src/load/load-generator';
import { validateLoadSettings } from '../src/shared/load-settings';
import { startDashboardProcess } from '../test/support/dashboard-process';
import { percentile } from '../test/support/percentile';
import { findFreePort } from '../test/support/ports';
import { type CpuProfile, summarizeProfile } from './cpu-profile';
import { atLeast, numberFlag, positive, runBenchProgram, wholeAtLeast } from './flags';
import { runLoad } from './load';
import { launchChromium, mainThreadCpuS, threadStatOf, waitForBookServer } from './measured-page';

/**
 * For each kind of element a publish changes: its text changed (and put back) 100 times, each followed by a forced
 * layout, timed: what one changed number costs the page's layout, wherever it sits.
 */
const LAYOUT_PROBE_SOURCE = `(() => {
  const selectors = ['[data-testid=stat-rps]', '[data-testid=worker-rate]', '.busy-percent', '[data-testid=route-stats] td',
    '[data-testid=queue-summary]', '.queueing-panel dd', '.little-table td', '.live-chart-latest', '[data-testid=thread-stats]',
    '.worker-foot span', '.panel-head .count', '#root'];
  const out = {};
  for (const selector of selectors) {
    const el = document.querySelector(selector);
    if (!el) { out[selector] = 'none'; continue; }
    const node = el.firstChild && el.firstChild.nodeType === 3 ? el.firstChild : el.appendChild(document.createTextNode(''));
    const text = node.data;
    document.body.offsetHeight;
    const startedAt = performance.now();
    for (let i = 0; i < 100; i++) {
      node.data = text + (i % 2 ? '1' : '2');
      document.body.offsetHeight;
    }
    out[selector] = ((performance.now() - startedAt) / 100).toFixed(3);
    node.data = text;
  }
  return out;
})()`;

/** Functions whose inclusive time the profile round prints. */
const PROFILE_UNDER =
  '(program) (garbage\u0020collector) (idle) publish publishStore paint refresh sceneNow paintTimeline performWorkOnRoot commitRoot renderRootSync workLoopSync onmessage apply mergeTimeline parse setData redraw commitMutationEffectsOnFiber';

/**
 * Installed before the page's scripts: React reports each commit to a DevTools hook when one is present. A fiber
 * with the PerformedWork flag rendered in that commit; its component's name is counted. Mutations are counted by
 * the panel they fall in (the nearest section's aria-label or data-testid) and by the element they touched.
 */
const CENSUS_SOURCE = `(() => {
  const renders = new Map();
  let commits = 0;
  const nameOf = (type) => typeof type === 'function' ? (type.displayName || type.name || 'anonymous')
    : type && typeof type === 'object' ? (type.displayName || (type.type && nameOf(type.type)) || (type.render && nameOf(type.render)) || null) : null;
  // A subtree React bailed out of keeps its old fibers (and their old flags): only children a commit cloned
  // (the child pointer differs from the alternate's) or mounted are visited, as React DevTools does.
  const walk = (fiber) => {
    for (let f = fiber; f !== null; f = f.sibling) {
      if ((f.flags & 1) !== 0 && typeof f.type !== 'string') {
        const name = nameOf(f.type);
        if (name) renders.set(name, (renders.get(name) || 0) + 1);
      }
      if (f.child && (f.alternate === null || f.child !== f.alternate.child)) walk(f.child);
    }
  };
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject(renderer) { this.renderers.set(1, renderer); return 1; },
    onCommitFiberRoot(_id, root) { commits++; if (root.current.child) walk(root.current.child); },
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    checkDCE() {},
  };
  const mutations = new Map();
  const targets = new Map();
  const layouts = new Map();
  const panelOf = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el) return '?';
    const panel = el.closest('section[aria-label], [data-testid], header, aside');
    if (!panel) return 'page';
    return panel.getAttribute('aria-label') || panel.dataset.testid || panel.tagName.toLowerCase();
  };
  const describe = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el) return '?';
    return el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  };
  const count = (map, key) => map.set(key, (map.get(key) || 0) + 1);
  window.__census = {
    reset() { renders.clear(); mutations.clear(); targets.clear(); layouts.clear(); commits = 0; },
    take() {
      const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
      return { commits, renders: sorted(renders), mutations: sorted(mutations), targets: sorted(targets),
        layouts: [...layouts].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => [k, v.ms, v.count]) };
    },
  };
  addEventListener('DOMContentLoaded', () => {
    new MutationObserver((records) => {
      const panels = new Set();
      for (const r of records) {
        const kind = r.type === 'attributes' ? 'attr ' + r.attributeName : r.type === 'characterData' ? 'text' : 'children';
        count(mutations, panelOf(r.target) + ' — ' + kind);
        count(targets, describe(r.target) + ' — ' + kind);
        panels.add(panelOf(r.target));
      }
      if (window.__timeLayouts) {
        const startedAt = performance.now();
        document.body.offsetHeight;
        const key = [...panels].sort().join(' + ');
        const entry = layouts.get(key) || { ms: 0, count: 0 };
        entry.ms += performance.now() - startedAt;
        entry.count++;
        layouts.set(key, entry);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
})()`;

const METRICS = ['LayoutCount', 'RecalcStyleCount', 'LayoutDuration', 'RecalcStyleDuration', 'ScriptDuration', 'TaskDuration'] as const;

async function metricsOf(cdp: import('@playwright/test').CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.filter((m) => (METRICS as readonly string[]).includes(m.name)).map((m) => [m.name, m.value]));
}

/** The browser's processes: their type ('renderer', 'GPU', …) and pid. */
async function chromiumProcesses(browser: Browser): Promise<Array<{ type: string; id: number }>> {
  const session = await browser.newBrowserCDPSession();
  const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
  await session.detach();
  return processInfo;
}

/** CPU s the renderer processes' main threads used so far (the kernel's account, as bench:ui reads it). */
async function rendererMainCpuS(browser: Browser): Promise<number> {
  const processes = await chromiumProcesses(browser);
  return processes.filter((p) => p.type === 'renderer').reduce((sum, p) => sum + mainThreadCpuS(p.id), 0);
}

async function round(page: Page, label: string, roundS: number, work: () => Promise<unknown>): Promise<void> {
  const cpuAt = await rendererMainCpuS(page.context().browser()!);
  const wallAt = performance.now();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.evaluate('window.__census.reset()');
  const before = await metricsOf(cdp);
  await work();
  const after = await metricsOf(cdp);
  const census = (await page.evaluate('window.__census.take()')) as {
    commits: number;
    renders: Array<[string, number]>;
    mutations: Array<[string, number]>;
    targets: Array<[string, number]>;
    layouts: Array<[string, number, number]>;
  };
  const cpuS = (await rendererMainCpuS(page.context().browser()!)) - cpuAt;
  const perS = (n: number) => (n / roundS).toFixed(1);
  console.log(`\n== ${label} (${roundS} s) ==`);
  console.log(`main thread CPU     ${((cpuS / ((performance.now() - wallAt) / 1000)) * 100).toFixed(1)} % of a core`);
  console.log(`React commits/s ${perS(census.commits)}`);
  for (const name of METRICS) {
    const delta = after[name]! - before[name]!;
    console.log(
      `${name.padEnd(20)} ${name.endsWith('Duration') ? `${((delta / roundS) * 100).toFixed(1)} % of a core` : `${perS(delta)}/s`}`,
    );
  }
  console.log('renders/s by component:');
  for (const [name, n] of census.renders.slice(0, 30)) console.log(`  ${perS(n).padStart(7)}  ${name}`);
  console.log('DOM mutations/s by panel:');
  for (const [name, n] of census.mutations.slice(0, 25)) console.log(`  ${perS(n).padStart(7)}  ${name}`);
  if (census.layouts.length > 0) {
    console.log('forced layout after each batch of mutations, by the panels it touched (ms/s, ms each, batches/s):');
    for (const [key, ms, n] of census.layouts.slice(0, 15))
      console.log(`  ${(ms / roundS).toFixed(2).padStart(6)}  ${(ms / n).toFixed(2).padStart(6)}  ${perS(n).padStart(5)}  ${key}`);
  }
  console.log('DOM mutations/s by element:');
  for (const [name, n] of census.targets.slice(0, 25)) console.log(`  ${perS(n).padStart(7)}  ${name}`);
  await cdp.detach();
}

/**
 * Installed before the page's scripts with SLIDE_AB=1: while `window.__noSlide` is set, every Web Animation the page
 * starts is paused where it begins, so the timeline's data layer stays where it was painted until its next paint
 * (what stepping it with each frame instead of sliding it would cost, without changing the page).
 */
const SLIDE_SWITCH_SOURCE = `(() => {
  const animate = Element.prototype.animate;
  window.__noSlide = false;
  Element.prototype.animate = function (...args) {
    const animation = animate.apply(this, args);
    if (window.__noSlide) animation.pause();
    return animation;
  };
})()`;

/** CPU s so far of each thread of a process, by the thread's name (the kernel's, cut to 15 characters). */
function threadCpuS(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const { name, cpuS } = threadStatOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      byName.set(name, (byName.get(name) ?? 0) + cpuS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

/** CPU s so far of every thread of every Chromium process, keyed 'type / thread name' (renderers summed). */
async function chromiumThreadsCpuS(browser: Browser): Promise<Map<string, number>> {
  const all = new Map<string, number>();
  for (const { type, id } of await chromiumProcesses(browser))
    for (const [name, cpuS] of threadCpuS(id)) all.set(`${type} / ${name}`, (all.get(`${type} / ${name}`) ?? 0) + cpuS);
  return all;
}

/** Unmeasured load before each --processes round: the publisher reaches its saturated pace, the slide switch takes. */
const PROCESSES_WARMUP_S = 3;

/**
 * --processes: rounds under wrk at saturation, each process's and thread's CPU (% of a core) read from the kernel;
 * with SLIDE_AB=1 the rounds alternate the timeline's slide on and off (on, off, off, on, …), printed side by side.
 */
async function processesRounds(
  browser: Browser,
  page: Page,
  roundS: number,
  rounds: number,
  load: (durationS: number) => Promise<unknown>,
): Promise<void> {
  const isAb = Boolean(process.env.SLIDE_AB);
  const sums = new Map<string, number[]>();
  const seconds = [0, 0];
  let saturatedRounds = 0;
  /** Halfway through each round: the page's running animations and the timeline data layer's motion. */
  const halfway: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const side = isAb ? [0, 1, 1, 0][round % 4]! : 0;
    await page.evaluate(`window.__noSlide = ${side === 1}`);
    // The layer's next paint starts (or not) its slide: at most one saturated frame interval and a repaint away.
    await load(PROCESSES_WARMUP_S);
    const before = await chromiumThreadsCpuS(browser);
    const startedAt = performance.now();
    const loaded = load(roundS);
    await new Promise((resolve) => setTimeout(resolve, (roundS * 1000) / 2));
    if ((await page.locator('[data-testid=frame-pace][data-pace=saturated]').count()) > 0) saturatedRounds++;
    halfway.push(
      String(
        await page.evaluate(
          `document.getAnimations().filter((a) => a.playState === 'running').length + ' ' + (document.querySelector('[data-testid=timeline-data]')?.dataset.motion ?? '-')`,
        ),
      ),
    );
    await loaded;
    const after = await chromiumThreadsCpuS(browser);
    seconds[side]! += (performance.now() - startedAt) / 1000;
    for (const [key, cpuS] of after) {
      const row = sums.get(key) ?? [0, 0];
      row[side]! += cpuS - (before.get(key) ?? 0);
      sums.set(key, row);
    }
  }
  const share = (cpuS: number, side: number) => (seconds[side]! > 0 ? `${((cpuS / seconds[side]!) * 100).toFixed(1).padStart(6)} %` : '');
  const byProcess = new Map<string, number[]>();
  for (const [key, row] of sums) {
    const type = key.split(' / ')[0]!;
    const sum = byProcess.get(type) ?? [0, 0];
    byProcess.set(type, [sum[0]! + row[0]!, sum[1]! + row[1]!]);
  }
  const total = [...byProcess.values()].reduce((sum, row) => [sum[0]! + row[0]!, sum[1]! + row[1]!], [0, 0]);
  console.log(`\n== Chromium's CPU under wrk at saturation, ${rounds} rounds of ${roundS} s${isAb ? ': slide on | slide off' : ''} ==`);
  console.log(`  the page said "Server saturated" halfway through ${saturatedRounds} of ${rounds} rounds`);
  console.log(`  running animations and the timeline's data-motion halfway, by round: ${halfway.join(' · ')}`);
  console.log(`  ${share(total[0]!, 0)}${isAb ? ` | ${share(total[1]!, 1)}` : ''}  all processes`);
  for (const [type, row] of [...byProcess].sort((a, b) => b[1][0]! - a[1][0]!))
    console.log(`  ${share(row[0]!, 0)}${isAb ? ` | ${share(row[1]!, 1)}` : ''}  ${type}`);
  console.log('threads:');
  for (const [key, row] of [...sums].sort((a, b) => b[1][0]! + b[1][1]! - a[1][0]! - a[1][1]!).slice(0, 20))
    console.log(`  ${share(row[0]!, 0)}${isAb ? ` | ${share(row[1]!, 1)}` : ''}  ${key}`);
}

/** How many of the longest main-thread tasks a trace lists. */
const LONGEST_TASKS_SHOWN = 6;

/** A trace of the page's main thread over a stretch: time per event name, and what the layouts re-laid out. */
async function traceRound(browser: Browser, page: Page, label: string, work: () => Promise<unknown>): Promise<void> {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'v8'] });
  const startedAt = performance.now();
  await work();
  const seconds = (performance.now() - startedAt) / 1000;
  const buffer = await browser.stopTracing();
  const events = (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const mainTid = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')?.tid;
  const onMain = events.filter((e) => e.tid === mainTid && e.ph === 'X' && typeof e.dur === 'number');
  const byName = new Map<string, { us: number; count: number }>();
  for (const e of onMain) {
    const entry = byName.get(e.name) ?? { us: 0, count: 0 };
    entry.us += e.dur!;
    entry.count++;
    byName.set(e.name, entry);
  }
  console.log(`\n== trace: ${label} (${seconds.toFixed(1)} s) — inclusive time per event name on the main thread ==`);
  for (const [name, { us, count }] of [...byName].sort((a, b) => b[1].us - a[1].us).slice(0, 40)) {
    console.log(
      `  ${((us / 1e6 / seconds) * 100).toFixed(2).padStart(6)} %  ${(us / 1000 / count).toFixed(2).padStart(7)} ms × ${(count / seconds).toFixed(1).padStart(6)}/s  ${name}`,
    );
  }
  // Main frames that committed something, and those that ran (animation callbacks, lifecycle) for nothing.
  const mainFrames = onMain.filter((e) => e.name === 'ProxyMain::BeginMainFrame');
  const commits = onMain.filter((e) => e.name === 'ProxyMain::BeginMainFrame::commit');
  let committed = 0;
  let committedUs = 0;
  let idleUs = 0;
  for (const f of mainFrames) {
    const end = f.ts + f.dur!;
    if (commits.some((c) => c.ts >= f.ts && c.ts < end)) {
      committed++;
      committedUs += f.dur!;
    } else idleUs += f.dur!;
  }
  const idleFrames = mainFrames.length - committed;
  // The longest tasks (where a frame over 50 ms comes from), each with the longest events inside it.
  const tasks = onMain.filter((e) => e.name === 'RunTask').sort((a, b) => b.dur! - a.dur!);
  console.log('  longest tasks:');
  for (const task of tasks.slice(0, LONGEST_TASKS_SHOWN)) {
    const end = task.ts + task.dur!;
    const inside = onMain
      .filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur! <= end)
      .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    // Self time by event name: each event's time less its children's (the events nested directly in it).
    const selfUs = new Map<string, number>();
    const stack: TraceEvent[] = [];
    const nameOf = (e: TraceEvent) => (e.args?.data?.functionName ? `${e.name}(${e.args.data.functionName})` : e.name);
    for (const e of inside) {
      while (stack.length > 0 && e.ts >= stack.at(-1)!.ts + stack.at(-1)!.dur!) stack.pop();
      const parent = stack.at(-1);
      if (parent) selfUs.set(nameOf(parent), (selfUs.get(nameOf(parent)) ?? 0) - e.dur!);
      selfUs.set(nameOf(e), (selfUs.get(nameOf(e)) ?? 0) + e.dur!);
      stack.push(e);
    }
    const longest = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, 6);
    console.log(
      `    ${(task.dur! / 1000).toFixed(1).padStart(6)} ms at +${((task.ts - onMain[0]!.ts) / 1e6).toFixed(2)} s, self: ${longest.map(([name, us]) => `${name} ${(us / 1000).toFixed(1)}`).join(', ')}`,
    );
  }
  console.log(
    `  main frames: ${(committed / seconds).toFixed(1)}/s committed (${(committedUs / 1000 / Math.max(1, committed)).toFixed(2)} ms each), ${(idleFrames / seconds).toFixed(1)}/s with nothing to commit (${(idleUs / 1000 / Math.max(1, idleFrames)).toFixed(2)} ms each)`,
  );
  const paints = new Map<string, { us: number; count: number }>();
  for (const e of onMain.filter((e) => e.name === 'Paint')) {
    const key = `node ${e.args?.data?.nodeId} layer ${e.args?.data?.layerId}`;
    const entry = paints.get(key) ?? { us: 0, count: 0 };
    entry.us += e.dur!;
    entry.count++;
    paints.set(key, entry);
  }
  const describeCdp = await page.context().newCDPSession(page);
  await describeCdp.send('DOM.getDocument', { depth: 0 });
  const describeNode = async (nodeId: number): Promise<string> => {
    try {
      const { object } = await describeCdp.send('DOM.resolveNode', { backendNodeId: nodeId });
      const { result } = await describeCdp.send('Runtime.callFunctionOn', {
        objectId: object.objectId!,
        functionDeclaration:
          'function () { const el = this.nodeType === 1 ? this : this.parentElement; return el ? el.tagName.toLowerCase() + (el.dataset.testid ? "[" + el.dataset.testid + "]" : "") + "." + String(el.className).split(" ").join(".") : String(this.nodeName); }',
        returnByValue: true,
      });
      return String(result.value);
    } catch {
      return `node ${nodeId} (gone)`;
    }
  };
  console.log('  paints by node:');
  for (const [key, { us, count }] of [...paints].sort((a, b) => b[1].us - a[1].us).slice(0, 8))
    console.log(
      `    ${((us / 1e6 / seconds) * 100).toFixed(2).padStart(6)} %  ${(count / seconds).toFixed(1).padStart(5)}/s  ${key} ${await describeNode(Number(key.split(' ')[1]))}`,
    );
  // Each layout's dirty objects against the whole tree: how much of the page one pass re-laid out.
  const layouts = onMain.filter((e) => e.name === 'Layout');
  const dirty = layouts.map((e) => Number(e.args?.beginData?.dirtyObjects ?? 0));
  const total = layouts.map((e) => Number(e.args?.beginData?.totalObjects ?? 0));
  console.log(
    `  layouts: ${(layouts.length / seconds).toFixed(1)}/s, ${(dirty.reduce((a, b) => a + b, 0) / Math.max(1, layouts.length)).toFixed(0)} dirty of ${(total.reduce((a, b) => a + b, 0) / Math.max(1, layouts.length)).toFixed(0)} objects each on average`,
  );
  const layoutUs = layouts.map((e) => e.dur!);
  const largest = layoutUs
    .map((us, i) => ({ ms: us / 1000, dirty: dirty[i]! }))
    .sort((a, b) => b.dirty - a.dirty)
    .slice(0, 5);
  console.log(
    `  layouts' time: ${((layoutUs.reduce((a, b) => a + b, 0) / 1e6 / seconds) * 100).toFixed(2)} % of the trace; most dirty objects: ${largest.map((l) => `${l.dirty} (${l.ms.toFixed(1)} ms)`).join(', ')}`,
  );
  await describeCdp.detach();
}

/** How many of the longest animation frames --worst-frames takes apart. */
const WORST_FRAMES_SHOWN = 8;
/** The threads whose tasks --worst-frames counts in each long frame (the page's renderer; the display compositor). */
const FRAME_THREADS = ['CrRendererMain', 'Compositor', 'VizCompositorThread'] as const;

/**
 * Asks for an animation frame at every vsync, as bench:ui's frame recorder does, keeping each frame's start (the
 * rAF timestamp, ms on the page's clock) and a performance mark whose trace time ties that clock to the trace's.
 */
const FRAME_STARTS_SOURCE = `(() => {
  window.__frameStartsMs = [];
  window.__frameStartsOn = true;
  performance.mark('census-frame-sync');
  window.__frameSyncMs = performance.getEntriesByName('census-frame-sync').at(-1).startTime;
  function tick(now) {
    if (!window.__frameStartsOn) return;
    window.__frameStartsMs.push(now);
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})()`;

/** How often --worst-frames reads the threads' scheduler accounts (a few reads each time: about 1 % of a core). */
const SCHEDSTAT_SAMPLE_MS = 3;

/** A thread the kernel schedules: its process, its id, and what it is called here. */
interface WatchedThread {
  name: string;
  pid: number;
  tid: number;
}

/** A thread's time on a core and waiting on the run queue for one, in ns so far (the kernel's schedstat); null if gone. */
function schedstatNs(thread: WatchedThread): [number, number] | null {
  try {
    const [runNs, waitNs] = readFileSync(`/proc/${thread.pid}/task/${thread.tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return [runNs!, waitNs!];
  } catch {
    return null;
  }
}

/** The threads of a process whose name (the kernel's, cut to 15 characters) starts with `prefix`. */
function threadsNamed(pid: number, prefix: string): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .filter((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').startsWith(prefix));
  } catch {
    return [];
  }
}

/**
 * Every renderer's main and compositor threads (which renderer is the page's is known once its trace is read) and
 * the GPU process's display compositor.
 */
async function frameThreads(browser: Browser): Promise<WatchedThread[]> {
  const processInfo = await chromiumProcesses(browser);
  const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  const gpu = processInfo.find((p) => p.type === 'GPU')?.id;
  const threads: WatchedThread[] = [];
  for (const renderer of renderers) {
    threads.push({ name: 'CrRendererMain', pid: renderer, tid: renderer });
    for (const tid of threadsNamed(renderer, 'Compositor')) threads.push({ name: 'Compositor', pid: renderer, tid });
  }
  if (gpu !== undefined) for (const tid of threadsNamed(gpu, 'VizCompositor')) threads.push({ name: 'VizCompositorThread', pid: gpu, tid });
  return threads;
}

/** Samples of [monotonic µs (the trace's clock), then each thread's run ns and wait ns], taken until stopped. */
function sampleSchedstat(threads: WatchedThread[]): { stop: () => number[][] } {
  const samples: number[][] = [];
  const take = () => {
    const row = [Number(process.hrtime.bigint() / 1000n)];
    for (const thread of threads) row.push(...(schedstatNs(thread) ?? [Number.NaN, Number.NaN]));
    samples.push(row);
  };
  take();
  const timer = setInterval(take, SCHEDSTAT_SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** A sampled counter's value at a moment, interpolated between the samples around it. */
function counterAt(samples: number[][], column: number, atUs: number): number {
  let i = 1;
  while (i < samples.length - 1 && samples[i]![0]! < atUs) i++;
  const [a, b] = [samples[i - 1]!, samples[i]!];
  const span = b[0]! - a[0]!;
  const f = span <= 0 ? 1 : Math.min(1, Math.max(0, (atUs - a[0]!) / span));
  return a[column]! + f * (b[column]! - a[column]!);
}

/**
 * The longest animation frames of a round, taken apart, for the page's main thread, its compositor thread and the
 * display compositor: how long each ran on a core and waited on the run queue for one during the frame (the
 * kernel's schedstat, sampled and interpolated: its clock and the trace's are both the monotonic clock), the wall
 * time it spent inside tasks and those tasks' thread CPU time (trace `tdur`), and the main thread's largest task
 * with what it held. Wall time on two cores saturated by the load mostly counts waits for a core; these say how
 * much of a long frame was the page's own work.
 */
async function worstFramesRound(browser: Browser, page: Page, label: string, work: () => Promise<unknown>): Promise<void> {
  const threads = await frameThreads(browser);
  await browser.startTracing(page, {
    categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'],
  });
  await page.evaluate(FRAME_STARTS_SOURCE);
  const sampling = sampleSchedstat(threads);
  const startedAt = performance.now();
  await work();
  const seconds = (performance.now() - startedAt) / 1000;
  const samples = sampling.stop();
  const { startsMs, syncMs } = (await page.evaluate(
    '(() => { window.__frameStartsOn = false; return { startsMs: window.__frameStartsMs, syncMs: window.__frameSyncMs }; })()',
  )) as { startsMs: number[]; syncMs: number };
  const events = (JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const sync = events.find((e) => e.name === 'census-frame-sync');
  if (!sync)
    throw new Error(
      `the frame clock mark is not in the trace: ${JSON.stringify(events.filter((e) => e.cat === 'blink.user_timing').slice(0, 3))}`,
    );
  // The page's renderer in the trace is the mark's; for the kernel's accounts, the same process id, else (a sandbox's
  // namespace numbers them apart) the renderer whose main thread ran most.
  const tracePid = sync.pid;
  const ranNs = (pid: number) => {
    const i = threads.findIndex((t) => t.pid === pid && t.name === 'CrRendererMain');
    return samples.at(-1)![1 + 2 * i]! - samples[0]![1 + 2 * i]!;
  };
  const rendererPids = threads.filter((t) => t.name === 'CrRendererMain').map((t) => t.pid);
  const pagePid = rendererPids.includes(tracePid) ? tracePid : rendererPids.sort((a, b) => ranNs(b) - ranNs(a))[0];
  const isWatched = (thread: WatchedThread) => thread.name === 'VizCompositorThread' || thread.pid === pagePid;
  const toTraceUs = (pageMs: number) => sync.ts + (pageMs - syncMs) * 1000;
  // Each named thread's top-level tasks (a task nested in another of the same thread is counted once, in it).
  const threadName = new Map(events.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, String(e.args?.name)]));
  const tasksOf = new Map<string, TraceEvent[]>();
  const sorted = events
    .filter((e) => e.ph === 'X' && typeof e.dur === 'number' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask'))
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const endOf = new Map<string, number>();
  for (const e of sorted) {
    const name = threadName.get(`${e.pid}:${e.tid}`);
    if (!(FRAME_THREADS as readonly string[]).includes(name ?? '')) continue;
    if (name !== 'VizCompositorThread' && e.pid !== tracePid) continue;
    const key = String(name);
    if (e.ts < (endOf.get(key) ?? Number.NEGATIVE_INFINITY)) continue;
    endOf.set(key, e.ts + e.dur!);
    tasksOf.set(key, [...(tasksOf.get(key) ?? []), e]);
  }
  const frames = startsMs.slice(1).map((toMs, i) => ({ fromMs: startsMs[i]!, toMs, ms: toMs - startsMs[i]! }));
  const sortedMs = frames.map((f) => f.ms).sort((a, b) => a - b);
  const allTasksCpuMs = (name: string) => (tasksOf.get(name) ?? []).reduce((sum, e) => sum + (e.tdur ?? 0), 0) / 1000;
  console.log(`\n== worst frames: ${label} (${seconds.toFixed(1)} s, ${frames.length} frames) ==`);
  console.log(
    `  frame p50 / p95 / max ${percentile(sortedMs, 50).toFixed(1)} / ${percentile(sortedMs, 95).toFixed(1)} / ${(sortedMs.at(-1) ?? Number.NaN).toFixed(1)} ms; ` +
      `over 50 ms: ${sortedMs.filter((ms) => ms > 50).length}`,
  );
  // Each watched thread's time on a core and waiting for one over a stretch (ms), from the kernel's accounts.
  const scheduled = (fromUs: number, toUs: number) =>
    FRAME_THREADS.map((name) => {
      let runNs = 0;
      let waitNs = 0;
      threads.forEach((thread, i) => {
        if (thread.name !== name || !isWatched(thread)) return;
        runNs += counterAt(samples, 1 + 2 * i, toUs) - counterAt(samples, 1 + 2 * i, fromUs);
        waitNs += counterAt(samples, 2 + 2 * i, toUs) - counterAt(samples, 2 + 2 * i, fromUs);
      });
      return `${name} ${(runNs / 1e6).toFixed(1)} / ${(waitNs / 1e6).toFixed(1)}`;
    }).join(' · ');
  const roundFromUs = samples[0]![0]!;
  const roundToUs = samples.at(-1)![0]!;
  console.log(`  over the round, ran / waited for a core (ms, the kernel's schedstat): ${scheduled(roundFromUs, roundToUs)}`);
  console.log(`  the main thread's tasks' thread CPU in the trace: ${allTasksCpuMs('CrRendererMain').toFixed(0)} ms`);
  // The main thread's tasks by their thread CPU: the longer a task runs, the likelier a busy core takes it over midway.
  const mainTasks = tasksOf.get('CrRendererMain') ?? [];
  const cpuBoundsMs = [0, 1, 4, 8, 16, Number.POSITIVE_INFINITY];
  const bySize = cpuBoundsMs.slice(1).map((toMs, b) => {
    const fromMs = cpuBoundsMs[b]!;
    const inRange = mainTasks.filter((e) => (e.tdur ?? 0) / 1000 >= fromMs && (e.tdur ?? 0) / 1000 < toMs);
    const wallsMs = inRange.map((e) => e.dur! / 1000).sort((x, y) => x - y);
    return `${fromMs}–${toMs === Number.POSITIVE_INFINITY ? '' : toMs} ms: ${inRange.length}, wall p50 / max ${percentile(wallsMs, 50).toFixed(1)} / ${(wallsMs.at(-1) ?? Number.NaN).toFixed(1)} ms, over 33 ms ${wallsMs.filter((ms) => ms > 33).length}`;
  });
  console.log(`  the main thread's tasks by thread CPU: ${bySize.join(' · ')}`);
  console.log('  frame ms, from the start of the round');
  console.log('    ran / waited for a core (ms, schedstat) per thread');
  console.log('    wall in tasks / their thread CPU (ms, trace) per thread');
  console.log("    the main thread's largest task in it: wall / thread CPU (ms), the thread CPU of what it held");
  for (const frame of [...frames].sort((a, b) => b.ms - a.ms).slice(0, WORST_FRAMES_SHOWN)) {
    const fromUs = toTraceUs(frame.fromMs);
    const toUs = toTraceUs(frame.toMs);
    const parts: string[] = [];
    let largest: TraceEvent | null = null;
    for (const name of FRAME_THREADS) {
      let wallUs = 0;
      let cpuUs = 0;
      for (const e of tasksOf.get(name) ?? []) {
        const overlapUs = Math.min(e.ts + e.dur!, toUs) - Math.max(e.ts, fromUs);
        if (overlapUs <= 0) continue;
        wallUs += overlapUs;
        // A task's CPU counted in proportion to the part of it inside the frame.
        cpuUs += ((e.tdur ?? 0) * overlapUs) / Math.max(1, e.dur!);
        if (name === 'CrRendererMain' && (largest === null || e.dur! > largest.dur!)) largest = e;
      }
      parts.push(`${name} ${(wallUs / 1000).toFixed(1)} / ${(cpuUs / 1000).toFixed(1)}`);
    }
    let held = '';
    if (largest !== null) {
      const end = largest.ts + largest.dur!;
      const inside = events.filter(
        (e) =>
          e.pid === largest!.pid &&
          e.tid === largest!.tid &&
          e.ph === 'X' &&
          e !== largest &&
          e.ts >= largest!.ts &&
          e.ts + (e.dur ?? 0) <= end,
      );
      const byName = new Map<string, number>();
      for (const e of inside)
        if (
          [
            'FunctionCall',
            'FireAnimationFrame',
            'TimerFire',
            'EventDispatch',
            'UpdateLayoutTree',
            'Layout',
            'PrePaint',
            'Paint',
            'Layerize',
            'MajorGC',
            'MinorGC',
          ].includes(e.name)
        )
          byName.set(e.name, (byName.get(e.name) ?? 0) + (e.tdur ?? e.dur!));
      held = `${(largest.dur! / 1000).toFixed(1)} / ${((largest.tdur ?? 0) / 1000).toFixed(1)}: ${[...byName].map(([n, us]) => `${n} ${(us / 1000).toFixed(1)}`).join(', ')}`;
      // The script it ran, by function (readable names in an unminified build): what to look at first.
      const calls = inside
        .filter((e) => e.name === 'FunctionCall' && (e.tdur ?? e.dur!) >= 500)
        .map(
          (e) =>
            `${e.args?.data?.functionName || '(anonymous)'}:${e.args?.data?.lineNumber ?? '?'} ${((e.tdur ?? e.dur!) / 1000).toFixed(1)}`,
        );
      if (calls.length > 0) held += `; script ${calls.join(', ')}`;
    }
    console.log(`  ${frame.ms.toFixed(1).padStart(6)} ms at +${((fromUs - roundFromUs) / 1e6).toFixed(2)} s`);
    // The sampler waits for a core too: the longest gap between the samples around the frame bounds what its figures can say.
    const firstAfter = samples.findIndex((row) => row[0]! >= toUs);
    const lastBefore = samples.findLastIndex((row) => row[0]! <= fromUs);
    const around = samples.slice(Math.max(0, lastBefore), firstAfter < 0 ? samples.length : firstAfter + 1).map((row) => row[0]!);
    const gapMs = Math.max(0, ...around.slice(1).map((at, i) => (at - around[i]!) / 1000));
    console.log(`    scheduled: ${scheduled(fromUs, toUs)} (samples at most ${gapMs.toFixed(0)} ms apart)`);
    console.log(`    tasks:     ${parts.join(' · ')}`);
    if (held !== '') console.log(`    largest:   ${held}`);
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  tid: number;
  pid: number;
  cat?: string;
  ts: number;
  dur?: number;
  /** Thread CPU time of an 'X' event, where the trace records it. */
  tdur?: number;
  // biome-ignore lint/suspicious/noExplicitAny: trace event arguments differ by event
  args?: any;
}

function parseCensusArgs() {
  return parseArgs({
    options: {
      help: { type: 'boolean' },
      'round-s': { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'boolean' },
      trace: { type: 'boolean' },
      'trace-wrk': { type: 'boolean' },
      'worst-frames': { type: 'boolean' },
      'layout-probe': { type: 'boolean' },
      profile: { type: 'boolean' },
      'profile-wrk': { type: 'boolean' },
      'rate-only': { type: 'boolean' },
      processes: { type: 'boolean' },
      rounds: { type: 'string' },
    },
  });
}

const USAGE = `npx tsx bench/page-census.ts [flags]   (build first: POOLSCOPE_MINIFY=0 npx electron-vite build)

What each store publish rewrites in the dashboard page under load: a probe, not a benchmark (bench:ui measures).
Without a mode flag: an idle round, a round under wrk at saturation and one at a fixed open-loop rate.

  --round-s N        seconds per round (default 6)
  --rate N           the fixed-rate round's requests per second (default 2000)
  --rate-only        only the fixed-rate round
  --burst            one more round after Fire /sleep burst
  --trace            trace the fixed-rate round instead (main-thread time per trace event, frames, longest tasks)
  --trace-wrk        the same, of a round under wrk at saturation
  --worst-frames     a round under wrk with a frame recorder at every vsync, traced: the longest frames
  --layout-probe     after the rounds, the forced layout one changed number costs, by element
  --profile          the page's JavaScript profile over the fixed-rate round (PROFILE_OUT=FILE keeps it)
  --profile-wrk      the same, over a round under wrk at saturation
  --processes        rounds under wrk: each Chromium process's and thread's CPU (--rounds N, default 4)
  --help             show this help

Environment: CSS='…', TIME_LAYOUTS=1, BLANK_PAGE=1 (with --worst-frames), SLIDE_AB=1 (with --processes): see the
file's opening comment.`;

async function main(): Promise<void> {
  const { values } = parseCensusArgs();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const roundS = numberFlag('round-s', values['round-s'], 6, atLeast(1, 'a number of seconds'));
  const ratePerS = numberFlag('rate', values.rate, 2_000, positive('a number of requests per second'));
  const rounds = numberFlag('rounds', values.rounds, 4, wholeAtLeast(1));
  const bookPort = await findFreePort();
  const dashboard = await startDashboardProcess(['--start', '--port', String(bookPort), '--workers', '4']);
  const browser = await launchChromium();
  try {
    await waitForBookServer(bookPort);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The census's hooks (React's DevTools hook, a MutationObserver) cost the page work of their own: --worst-frames
    // times the page as a person has it.
    if (!values['worst-frames'] && !values.processes) await page.addInitScript(CENSUS_SOURCE);
    if (process.env.SLIDE_AB) await page.addInitScript(SLIDE_SWITCH_SOURCE);
    await page.goto(dashboard.url);
    await page.getByTestId('server-status').waitFor();
    if (process.env.TIME_LAYOUTS) await page.evaluate('window.__timeLayouts = true');
    if (process.env.CSS) await page.addStyleTag({ content: process.env.CSS });
    await page.waitForTimeout(2_000);
    if (values.processes) {
      await processesRounds(browser, page, roundS, rounds, (durationS) =>
        runLoad('wrk', { host: '127.0.0.1', port: bookPort, path: '/', connections: 50, durationS, closeEachConnection: false }),
      );
      return;
    }
    const isTraceOnly = values.trace || values['trace-wrk'] || values['worst-frames'];
    if (!isTraceOnly && !values['rate-only']) await round(page, 'idle', roundS, () => new Promise((r) => setTimeout(r, roundS * 1000)));
    if (!isTraceOnly && !values['rate-only'])
      await round(page, 'wrk saturation', roundS, () =>
        runLoad('wrk', { host: '127.0.0.1', port: bookPort, path: '/', connections: 50, durationS: roundS, closeEachConnection: false }),
      );
    const settings = validateLoadSettings({
      url: `http://127.0.0.1:${bookPort}/`,
      ratePerS,
      durationS: roundS,
      mix: '/:1',
      arrivals: 'constant',
      connections: 50,
    });
    if (!settings.ok) throw new Error(settings.error);
    if (values['worst-frames']) {
      // The control: the same round with the page blank, the frame recorder alone in it.
      if (process.env.BLANK_PAGE) await page.goto('about:blank');
      await worstFramesRound(browser, page, 'wrk saturation', () =>
        runLoad('wrk', { host: '127.0.0.1', port: bookPort, path: '/', connections: 50, durationS: roundS, closeEachConnection: false }),
      );
      return;
    }
    if (values['trace-wrk']) {
      await traceRound(browser, page, 'wrk saturation', () =>
        runLoad('wrk', { host: '127.0.0.1', port: bookPort, path: '/', connections: 50, durationS: roundS, closeEachConnection: false }),
      );
      return;
    }
    if (values.trace) {
      await traceRound(browser, page, `${ratePerS} req/s`, () => startLoad(settings.value).done);
      return;
    }
    if (values['layout-probe']) {
      await startLoad(settings.value).done;
      console.log(`\n== forced layout after one text change, by element (mean of 100, ms) ==`);
      console.log(JSON.stringify(await page.evaluate(LAYOUT_PROBE_SOURCE), null, 1));
      return;
    }
    if (values.profile || values['profile-wrk']) {
      const isWrk = Boolean(values['profile-wrk']);
      // Under wrk the publisher first reaches its saturated pace: the profile is of the steady state.
      if (isWrk)
        await runLoad('wrk', { host: '127.0.0.1', port: bookPort, path: '/', connections: 50, durationS: 3, closeEachConnection: false });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      const startedAt = performance.now();
      if (isWrk)
        await runLoad('wrk', {
          host: '127.0.0.1',
          port: bookPort,
          path: '/',
          connections: 50,
          durationS: roundS,
          closeEachConnection: false,
        });
      else await startLoad(settings.value).done;
      const seconds = (performance.now() - startedAt) / 1000;
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
      const under = PROFILE_UNDER.split(' ');
      const { sampledUs, selfUs, underUs } = summarizeProfile(profile, [], under);
      const share = (us: number) => `${((us / 1e6 / seconds) * 100).toFixed(2).padStart(6)} %`;
      console.log(
        `\n== JS profile ${isWrk ? 'under wrk at saturation' : `at ${ratePerS} req/s`}: ${share(sampledUs)} of a core sampled; self time ==`,
      );
      for (const [name, us] of selfUs.slice(0, 30)) console.log(`  ${share(us)}  ${name}`);
      console.log('under:');
      for (const name of under) console.log(`  ${share(underUs.get(name) ?? 0)}  ${name}`);
      return;
    }
    await round(page, `${ratePerS} req/s`, roundS, () => startLoad(settings.value).done);
    if (values.burst) {
      await round(page, '/sleep burst', roundS, async () => {
        await page.getByRole('button', { name: /Fire \/sleep burst/ }).click();
        await new Promise((r) => setTimeout(r, roundS * 1000));
      });
    }
  } finally {
    await browser.close();
    await dashboard.program.stop();
  }
}

runBenchProgram('page-census', main, '; --help lists the flags');
