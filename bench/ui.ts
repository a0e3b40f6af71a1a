// `npm run bench:ui`: the dashboard open in Chromium while GET / load runs at a fixed rate against the
// book server; reports the page's frame times (p50/p95/p99) and its JS heap over time, with the stats charts
// (uPlot, fed by the main side's samples) and the queueing panel on the page and updating throughout.
// Target: p95 frame time under 20 ms at 2,000 requests/s, heap flat after the first seconds.
//
// Flags: --rate N (requests/s, default 2000), --duration-s N (default 60), --quick (rate 2000, 10 s).

import net from 'node:net';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../test/support/chromium';
import { startDashboardProcess } from '../test/support/dashboard-process';
import { percentile } from '../test/support/percentile';
import { findFreePort } from '../test/support/ports';

/** Keep-alive connections the load is spread over; pipelining keeps each one busy. */
const LOAD_CONNECTIONS = 16;
const LOAD_TICK_MS = 10;
const SETTLE_MS = 3_000;

interface Flags {
  rate: number;
  durationS: number;
}

function readFlags(): Flags {
  const { values } = parseArgs({
    options: { rate: { type: 'string' }, 'duration-s': { type: 'string' }, quick: { type: 'boolean' } },
  });
  const rate = Number(values.rate ?? 2000);
  const durationS = Number(values['duration-s'] ?? (values.quick ? 10 : 60));
  if (!(rate > 0) || !(durationS > 0)) {
    process.stderr.write('bench:ui: --rate and --duration-s must be positive numbers\n');
    process.exit(2);
  }
  return { rate, durationS };
}

/** Fixed-rate GET / load over keep-alive connections; counts the responses it reads. */
function startLoad(port: number, ratePerSecond: number): { stop(): void; responses(): number } {
  const request = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: poolscope-bench-ui\r\n\r\n');
  const sockets = Array.from({ length: LOAD_CONNECTIONS }, () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('error', () => {});
    return socket;
  });
  let responses = 0;
  for (const socket of sockets) {
    // Every response of the book server carries "HTTP/1.1 200"; counting status lines is enough here.
    socket.on('data', (chunk: Buffer) => {
      for (let from = chunk.indexOf('HTTP/1.1 '); from !== -1; from = chunk.indexOf('HTTP/1.1 ', from + 9)) responses++;
    });
  }
  const startedAt = performance.now();
  let sent = 0;
  let next = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * ratePerSecond);
    for (; sent < due; sent++) sockets[next++ % sockets.length]!.write(request);
  }, LOAD_TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      for (const socket of sockets) socket.destroy();
    },
    responses: () => responses,
  };
}

interface PageGlobals {
  __frameTimesMs: number[];
}

/** Records the time between consecutive animation frames in the page. */
const FRAME_RECORDER_SOURCE = `(() => {
  window.__frameTimesMs = [];
  let last = performance.now();
  function tick(now) {
    window.__frameTimesMs.push(now - last);
    last = now;
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})()`;

async function main(): Promise<void> {
  const flags = readFlags();
  const bookPort = await findFreePort();
  const dashboard = await startDashboardProcess(['--port', String(bookPort), '--workers', '4', '--sleep-ms', '1000']);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_EXECUTABLE,
    // A page that is measured must not be throttled as a background one.
    args: [...CHROMIUM_ARGS, '--disable-renderer-backgrounding', '--disable-background-timer-throttling'],
  });
  let load: ReturnType<typeof startLoad> | null = null;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(dashboard.url);
    await page.getByRole('button', { name: 'Start server' }).click();
    await page.getByTestId('server-status').getByText('Listening').waitFor();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heapMb = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
    };

    load = startLoad(bookPort, flags.rate);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const heapAtStartMb = await heapMb();
    const heapSamplesMb: number[] = [heapAtStartMb];
    const responsesAtStart = load.responses();
    // Passed as source text: the bench runs through tsx, whose helpers (e.g. __name) do not exist in the page.
    await page.evaluate(FRAME_RECORDER_SOURCE);
    const measuredAt = performance.now();
    const sampleEveryMs = Math.max(2_000, (flags.durationS * 1000) / 6);
    for (let elapsed = 0; elapsed < flags.durationS * 1000; elapsed += sampleEveryMs) {
      await new Promise((r) => setTimeout(r, Math.min(sampleEveryMs, flags.durationS * 1000 - elapsed)));
      heapSamplesMb.push(await heapMb());
    }
    const measuredS = (performance.now() - measuredAt) / 1000;
    const achievedRate = (load.responses() - responsesAtStart) / measuredS;
    const frameTimesMs = (await page.evaluate(() => (globalThis as unknown as PageGlobals).__frameTimesMs)).sort((a, b) => a - b);
    const bars = await page.getByTestId('timeline-bar').count();
    // The charts and the queueing panel drew from the main side's metrics the whole time: their latest figures.
    const chartPoints = await page.getByTestId('live-chart').first().getAttribute('data-points');
    const chartRate = await page.getByTestId('live-chart').first().getAttribute('data-latest');
    const queueingLambda = await page.getByTestId('queueing-panel').getAttribute('data-lambda');

    const p95 = percentile(frameTimesMs, 95);
    const heapEndMb = heapSamplesMb[heapSamplesMb.length - 1]!;
    const rows: Array<[string, string]> = [
      ['load (GET /, responses/s)', `${achievedRate.toFixed(0)} (asked ${flags.rate})`],
      ['frames measured', String(frameTimesMs.length)],
      ['frame time p50', `${percentile(frameTimesMs, 50).toFixed(1)} ms`],
      ['frame time p95', `${p95.toFixed(1)} ms  (target < 20 ms: ${p95 < 20 ? 'met' : 'NOT met'})`],
      ['frame time p99', `${percentile(frameTimesMs, 99).toFixed(1)} ms`],
      ['frame time max', `${frameTimesMs[frameTimesMs.length - 1]?.toFixed(1)} ms`],
      ['JS heap after GC, over time', `${heapSamplesMb.map((mb) => `${mb.toFixed(1)}`).join(' → ')} MiB`],
      ['heap growth start → end', `${(heapEndMb - heapAtStartMb).toFixed(1)} MiB`],
      ['timeline bars in the DOM', String(bars)],
      ['stats charts: points drawn, latest requests/s', `${chartPoints} per chart, ${chartRate}`],
      ['queueing panel λ (jobs/s)', String(queueingLambda)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(`\nPoolscope bench:ui — ${flags.durationS} s at ${flags.rate} req/s, Chromium ${browser.version()}\n`);
    for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
  } finally {
    load?.stop();
    await browser.close();
    await dashboard.program.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:ui: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
