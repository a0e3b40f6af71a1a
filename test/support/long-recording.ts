// A long run file for the replay's benchmark: many keep-alive requests on a few connections, shaped like the
// server's (simulated-run.ts: every request's events in the order the server emits them), with now and then a
// /sleep holding a worker so the queue fills. Written to disk chunk by chunk, never as one string.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { ServerEvent } from '../../src/shared/events';
import { runFileChunks } from '../../src/shared/run-file';
import { sampleHeader } from './sample-events';
import { simulateRun } from './simulated-run';

export interface LongRecording {
  events: ServerEvent[];
  startAt: number;
}

/** `requestCount` GET / (every 200th a 300 ms /sleep) on 4 workers, one every ms, over KEEP_ALIVE_CONNECTIONS connections. */
export function longRecording(requestCount: number, startAt = 1_700_000_000_000): LongRecording {
  const keepAliveConnections = 50;
  const jobs = Array.from({ length: requestCount }, (_, i) =>
    i % 200 === 199 ? { gapMs: 1, runMs: 300, path: '/sleep?ms=300' } : { gapMs: 1, runMs: 2.5, path: '/' },
  );
  const events: ServerEvent[] = [];
  for (const event of simulateRun({ workerCount: 4, startAt, jobs })) {
    // Keep-alive: the first requests open the connections, the rest reuse them.
    if (event.type === 'connection-opened' && event.connectionId > keepAliveConnections) continue;
    if (event.type === 'request-received' || event.type === 'request-rejected')
      event.connectionId = ((event.connectionId - 1) % keepAliveConnections) + 1;
    events.push(event);
  }
  return { events, startAt };
}

/** Writes the events as a run file at `path`; returns its size in bytes. */
export function writeRunFile(path: string, recording: LongRecording): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    for (const chunk of runFileChunks(sampleHeader({ historyStartsAt: recording.startAt }), recording.events)) {
      bytes += writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
