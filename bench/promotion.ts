// What a `Connection: close` request leaves for the old generation: the server runs in this process under wrk
// (50 connections, a new one per request) while V8's sampling heap profiler keeps only the samples of objects that
// outlived a scavenge (promoted, or still alive at the end), and prints bytes per request by allocation site.
// Poolscope (4 workers) or the bench's bare node:net server, Node's ceiling, for comparison.
// Run: npx tsx bench/promotion.ts [poolscope|ceiling] [--seconds N]

import { type HeapProfiler, Session } from 'node:inspector/promises';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBareNetServer } from './bare-net-server';
import { BenchUsageError, numberFlag, positive, runBenchProgram } from './flags';
import { findWrk, runLoad } from './load';

const PAGES_DIR = fileURLToPath(new URL('../src/server/pages/', import.meta.url));
const WARMUP_S = 3;
/** Bytes between samples: small enough for sites of a few bytes per request to show over a few seconds. */
const SAMPLING_INTERVAL_BYTES = 256;
const TOP_SITES = 20;
/** Frames of each site's stack shown, innermost first. */
const FRAMES_SHOWN = 4;

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

async function startServer(kind: string): Promise<{ port: number; stop: () => Promise<void> }> {
  if (kind === 'ceiling') {
    const server: net.Server = createBareNetServer(PAGES_DIR);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    return { port: (server.address() as net.AddressInfo).port, stop: () => new Promise((closed) => server.close(() => closed())) };
  }
  // Loaded only here, so the ceiling's run does not carry the server's modules.
  const { EventStream } = await import('../src/server/event-stream');
  const server = await (await import('../src/server/server')).startServer({
    host: '127.0.0.1',
    port: 0,
    workerCount: 4,
    sleepMs: 5_000,
    events: new EventStream(),
  });
  return { port: server.port, stop: () => server.shutdown() };
}

/** Self bytes per allocation site, the site named by its innermost FRAMES_SHOWN frames. */
function bytesBySite(head: SamplingNode): Map<string, number> {
  const sites = new Map<string, number>();
  const walk = (node: SamplingNode, stack: string[]): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const frame = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    const here = [frame, ...stack].slice(0, FRAMES_SHOWN);
    if (node.selfSize > 0) {
      const site = here.join(' < ');
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(head, []);
  return sites;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { seconds: { type: 'string' } }, allowPositionals: true });
  const kind = positionals[0] ?? 'poolscope';
  if (kind !== 'poolscope' && kind !== 'ceiling') throw new BenchUsageError(`expected poolscope or ceiling (got "${kind}")`);
  const seconds = numberFlag('seconds', values.seconds, 5, positive('a number of seconds'));
  if (findWrk() === null) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const server = await startServer(kind);
  const load = (durationS: number) =>
    runLoad('wrk', { host: '127.0.0.1', port: server.port, path: '/', connections: 50, durationS, closeEachConnection: true });
  try {
    await load(WARMUP_S);
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    // The two include flags (V8 keeps samples of objects freed by one kind of GC) are newer than @types/node's protocol.
    const sampling: HeapProfiler.StartSamplingParameterType = {
      samplingInterval: SAMPLING_INTERVAL_BYTES,
      ...{ includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false },
    };
    await session.post('HeapProfiler.startSampling', sampling);
    const measured = await load(seconds);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
    session.disconnect();
    const sites = [...bytesBySite(profile.head)].sort((a, b) => b[1] - a[1]);
    const total = sites.reduce((sum, [, bytes]) => sum + bytes, 0);
    const perRequest = (bytes: number): string => `${(bytes / measured.requests).toFixed(0).padStart(6)} B/req`;
    console.log(
      `${kind}: ${measured.requests.toLocaleString('en-US')} Connection: close requests in ${seconds} s; ` +
        `allocated and outlived a scavenge: ${perRequest(total).trim()}`,
    );
    for (const [site, bytes] of sites.slice(0, TOP_SITES)) console.log(`${perRequest(bytes)}  ${site}`);
  } finally {
    await server.stop();
  }
}

runBenchProgram('bench/promotion', main);
