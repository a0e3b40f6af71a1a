// `npx tsx bench/viewer-gap.ts`: a probe (bench:ui measures) that splits what one open dashboard page costs the server
// it watches into the server's own part and the browser's, in interleaved rounds of wrk at saturation:
// - no viewer;
// - a headless viewer: a WebSocket client that sends the real page's own view (read from the page once), acks every
//   frame and discards it, so the dashboard builds and sends the same frames at the same pace with no browser;
// - the real page in Chromium.
// Per round: keep-alive req/s, the dashboard process's main-thread CPU per request and its whole CPU, Chromium's whole
// process tree CPU (every process under the browser, from /proc), and the frames the viewer was sent.
//
// Flags: --round-s N (default 8), --rounds N (cycles of the three kinds, default 3; their order turns each cycle).

import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { DASHBOARD_WS_PATH } from '../src/shared/wire';
import { startDashboardProcess } from '../test/support/dashboard-process';
import { findFreePort } from '../test/support/ports';
import { atLeast, numberFlag, runBenchProgram, wholeAtLeast } from './flags';
import { findWrk, runLoad } from './load';
import { launchChromium, waitForBookServer } from './measured-page';

const WORKERS = 4;
const WRK_CONNECTIONS = 50;
const CLOCK_TICKS_PER_S = 100;

type Kind = 'none' | 'headless' | 'page';
const KINDS: readonly Kind[] = ['none', 'headless', 'page'];

/** utime + stime (s) and the parent of one task or process, from a /proc stat file; null when it is gone. */
function readStat(file: string): { cpuS: number; ppid: number; comm: string } | null {
  try {
    const stat = readFileSync(file, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Fields after the command name; ppid is field 4, utime and stime fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpuS: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S, ppid: Number(fields[1]), comm };
  } catch {
    return null;
  }
}

/** CPU s used so far by every live process descending from `rootPid` (itself excluded) whose name matches `name`. */
function treeCpuS(rootPid: number, name: RegExp): number {
  const processes = new Map<number, { cpuS: number; ppid: number; comm: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat !== null) processes.set(Number(entry), stat);
  }
  const isUnder = (pid: number): boolean => {
    for (let p = processes.get(pid)?.ppid; p !== undefined && p > 1; p = processes.get(p)?.ppid) if (p === rootPid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, stat] of processes) if (name.test(stat.comm) && isUnder(pid)) total += stat.cpuS;
  return total;
}

/** Times a thread was switched out while it could still run (preempted), from /proc/PID/task/TID/status. */
function preemptions(pid: number, tid: number): number {
  try {
    return Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** Whole-machine CPU s busy so far (all cores, from /proc/stat), to see how much of the two cores went idle. */
function machineBusyS(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!;
  return (fields.reduce((sum, v) => sum + v, 0) - idle) / CLOCK_TICKS_PER_S;
}

/** A viewer with no browser: sends `viewJson`, acks every frame it is sent, keeps nothing. */
async function openHeadlessViewer(
  uiUrl: string,
  viewJson: string,
): Promise<{ frames: () => number; bytes: () => number; close: () => void }> {
  const url = new URL(uiUrl);
  const ws = new WebSocket(`ws://${url.host}${DASHBOARD_WS_PATH}`, { origin: url.origin });
  let frames = 0;
  let bytes = 0;
  ws.on('message', (data: Buffer) => {
    bytes += data.length;
    const text = data.toString();
    const seq = /"seq":(\d+)/.exec(text);
    if (seq !== null && text.startsWith('{"kind":"frame"')) {
      frames++;
      ws.send(JSON.stringify({ kind: 'frame-ack', seq: Number(seq[1]) }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(viewJson);
  return { frames: () => frames, bytes: () => bytes, close: () => ws.close() };
}

interface Round {
  kind: Kind;
  requestsPerS: number;
  serverMainUsPerRequest: number;
  serverProcessCores: number;
  serverMainCores: number;
  chromiumCores: number;
  machineCores: number;
  framesPerS: number;
  serverMainPreemptionsPerS: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'round-s': { type: 'string' }, rounds: { type: 'string' } } });
  const roundS = numberFlag('round-s', values['round-s'], 8, atLeast(1, 'a number of seconds'));
  const rounds = numberFlag('rounds', values.rounds, 3, wholeAtLeast(1));
  if (findWrk() === null) throw new Error('wrk is not installed');
  const bookPort = await findFreePort();
  const dashboard = await startDashboardProcess(['--start', '--port', String(bookPort), '--workers', String(WORKERS)]);
  const dashboardPid = dashboard.program.child.pid!;
  const browser = await launchChromium();
  try {
    await waitForBookServer(bookPort);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    let viewJson: string | null = null;
    let pageFrames = 0;
    cdp.on('Network.webSocketFrameSent', (event) => {
      if (event.response.payloadData.startsWith('{"kind":"view"')) viewJson = event.response.payloadData;
    });
    cdp.on('Network.webSocketFrameReceived', (event) => {
      if (event.response.payloadData.startsWith('{"kind":"frame"')) pageFrames++;
    });
    await page.goto(dashboard.url);
    await page.getByTestId('server-status').getByText('Listening').waitFor();
    await new Promise((r) => setTimeout(r, 1_000));
    if (viewJson === null) throw new Error('the page sent no view');
    console.log(`the page's view: ${viewJson}`);
    await page.goto('about:blank');

    const results: Round[] = [];
    for (let cycle = 0; cycle < rounds; cycle++) {
      const order = KINDS.map((_, i) => KINDS[(i + cycle) % KINDS.length]!);
      for (const kind of order) {
        let viewer: Awaited<ReturnType<typeof openHeadlessViewer>> | null = null;
        if (kind === 'headless') viewer = await openHeadlessViewer(dashboard.url, viewJson);
        if (kind === 'page') {
          await page.goto(dashboard.url);
          await page.getByTestId('server-status').getByText('Listening').waitFor();
        }
        await new Promise((r) => setTimeout(r, 1_000));
        const framesAt = kind === 'page' ? pageFrames : (viewer?.frames() ?? 0);
        const mainAt = readStat(`/proc/${dashboardPid}/task/${dashboardPid}/stat`)!.cpuS;
        const processAt = readStat(`/proc/${dashboardPid}/stat`)!.cpuS;
        const chromiumAt = treeCpuS(process.pid, /chrom/i);
        const machineAt = machineBusyS();
        const preemptionsAt = preemptions(dashboardPid, dashboardPid);
        const startedAt = performance.now();
        const load = await runLoad('wrk', {
          host: '127.0.0.1',
          port: bookPort,
          path: '/',
          connections: WRK_CONNECTIONS,
          durationS: roundS,
          closeEachConnection: false,
        });
        const elapsedS = (performance.now() - startedAt) / 1000;
        const mainS = readStat(`/proc/${dashboardPid}/task/${dashboardPid}/stat`)!.cpuS - mainAt;
        const round: Round = {
          kind,
          requestsPerS: load.requestsPerS,
          serverMainUsPerRequest: (mainS * 1e6) / Math.max(1, load.requests),
          serverMainCores: mainS / elapsedS,
          serverProcessCores: (readStat(`/proc/${dashboardPid}/stat`)!.cpuS - processAt) / elapsedS,
          chromiumCores: (treeCpuS(process.pid, /chrom/i) - chromiumAt) / elapsedS,
          machineCores: (machineBusyS() - machineAt) / elapsedS,
          serverMainPreemptionsPerS: (preemptions(dashboardPid, dashboardPid) - preemptionsAt) / elapsedS,
          framesPerS: ((kind === 'page' ? pageFrames : (viewer?.frames() ?? 0)) - framesAt) / elapsedS,
        };
        results.push(round);
        console.log(
          `${kind.padEnd(8)} ${round.requestsPerS.toFixed(0).padStart(6)} req/s  server main ${round.serverMainUsPerRequest.toFixed(1)} µs/req ` +
            `(${(round.serverMainCores * 100).toFixed(0)} % core; process ${(round.serverProcessCores * 100).toFixed(0)} %)  ` +
            `chromium ${(round.chromiumCores * 100).toFixed(1)} %  machine ${(round.machineCores * 100).toFixed(0)} %  ${round.framesPerS.toFixed(1)} frames/s  ` +
            `server main preempted ${round.serverMainPreemptionsPerS.toFixed(0)}/s`,
        );
        viewer?.close();
        if (kind === 'page') await page.goto('about:blank');
      }
    }
    const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
    const of = (kind: Kind) => results.filter((r) => r.kind === kind);
    const baseline = mean(of('none').map((r) => r.requestsPerS));
    console.log(`\nmeans over ${rounds} cycles of ${roundS} s (load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()})`);
    console.log(
      'kind      req/s  ratio  server main µs/req  server main % core  server process % cores  chromium tree % core  frames/s  server main preempted/s',
    );
    for (const kind of KINDS) {
      const rs = of(kind);
      console.log(
        `${kind.padEnd(8)} ${mean(rs.map((r) => r.requestsPerS))
          .toFixed(0)
          .padStart(6)}  ${(mean(rs.map((r) => r.requestsPerS)) / baseline).toFixed(2)}×  ` +
          `${mean(rs.map((r) => r.serverMainUsPerRequest))
            .toFixed(2)
            .padStart(18)}  ${(mean(rs.map((r) => r.serverMainCores)) * 100).toFixed(1).padStart(18)}  ` +
          `${(mean(rs.map((r) => r.serverProcessCores)) * 100).toFixed(1).padStart(22)}  ${(mean(rs.map((r) => r.chromiumCores)) * 100).toFixed(1).padStart(20)}  ` +
          `${mean(rs.map((r) => r.framesPerS))
            .toFixed(1)
            .padStart(8)}  ${mean(rs.map((r) => r.serverMainPreemptionsPerS)).toFixed(0)}`,
      );
    }
  } finally {
    await browser.close();
    await dashboard.program.stop();
  }
}

runBenchProgram('viewer-gap', main);
