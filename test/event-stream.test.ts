// The event stream's subscriptions by type: a subscriber hears only the types it named, and the server builds
// an event only when someone wants its type (serve's book log asks for the few events it prints); and its
// times never go back, even for a fact learned late.

import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BOOK_LOG_EVENT_TYPES } from '../src/cli/book-log';
import { EventStream, type RunningServer, startServer } from '../src/server';
import type { ServerEvent, ServerEventType } from '../src/shared/events';
import { httpGet } from './support/http-client';

let running: RunningServer | null = null;

afterEach(async () => {
  await running?.shutdown();
  running = null;
  vi.restoreAllMocks();
});

describe('subscribing to some event types', () => {
  it('says per type whether anyone listens, and forgets a subscriber once it unsubscribes', () => {
    const events = new EventStream();
    expect(events.isObserved).toBe(false);
    const unsubscribe = events.subscribe(() => {}, ['job-started']);
    expect(events.isObserved).toBe(true);
    expect(events.wants['job-started']).toBe(true);
    expect(events.wants['request-received']).toBe(false);
    const unsubscribeAll = events.subscribe(() => {});
    expect(events.wants['request-received']).toBe(true);
    unsubscribeAll();
    expect(events.wants['request-received']).toBe(false);
    unsubscribe();
    expect(events.wants['job-started']).toBe(false);
    expect(events.isObserved).toBe(false);
  });

  it('hands each subscriber the types it asked for, in order, beside one that takes every event', () => {
    const events = new EventStream();
    const some: string[] = [];
    const all: string[] = [];
    events.subscribe((e) => some.push(e.type), ['server-stopping', 'server-stopped']);
    events.subscribe((e) => all.push(e.type));
    events.emit({ type: 'server-stopping', at: 1, reason: 'command' });
    events.emit({ type: 'worker-stopping', at: 2, workerId: 0 });
    events.emit({ type: 'server-stopped', at: 3 });
    expect(some).toEqual(['server-stopping', 'server-stopped']);
    expect(all).toEqual(['server-stopping', 'worker-stopping', 'server-stopped']);
  });

  it('hands every event on to the listeners after one that throws, and reports the throw as a warning', () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const events = new EventStream();
    const before: string[] = [];
    const after: string[] = [];
    events.subscribe((e) => before.push(e.type));
    events.subscribe((e) => {
      if (e.type === 'worker-stopping') throw new Error('observer bug');
    });
    events.subscribe((e) => after.push(e.type));
    events.emit({ type: 'server-stopping', at: 1, reason: 'command' });
    events.emit({ type: 'worker-stopping', at: 2, workerId: 0 });
    events.emit({ type: 'server-stopped', at: 3 });
    expect(before).toEqual(['server-stopping', 'worker-stopping', 'server-stopped']);
    expect(after).toEqual(['server-stopping', 'worker-stopping', 'server-stopped']);
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0]![0])).toContain('observer bug');
  });

  it('keeps answering, and the other subscribers hearing every event, while a subscriber throws at each one', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const events = new EventStream();
    events.subscribe(() => {
      throw new Error('observer bug');
    });
    const heard: ServerEvent[] = [];
    events.subscribe((e) => heard.push(e));
    running = await startServer({ port: 0, workerCount: 2, events });
    const replies = await Promise.all([httpGet(running.port, '/'), httpGet(running.port, '/nope')]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 404]);
    for (const type of ['request-received', 'job-queued', 'job-started', 'job-finished', 'response-sent'] as const) {
      expect(
        heard.filter((e) => e.type === type),
        type,
      ).toHaveLength(2);
    }
  });

  it('stamps what happened earlier (a worker’s claim learned late) at its own time, but never before an event already emitted', () => {
    const events = new EventStream();
    events.subscribe(() => {});
    const claimedAtMs = performance.now();
    expect(events.atOfPast(claimedAtMs)).toBe(events.atOf(claimedAtMs));
    const sentAt = events.atOf(claimedAtMs + 5);
    events.emit({ type: 'response-sent', at: sentAt, requestId: 1, status: 200, bytes: 10 });
    expect(events.atOfPast(claimedAtMs)).toBe(sentAt);
    expect(events.atOfPast(claimedAtMs + 7)).toBe(events.atOf(claimedAtMs + 7));
  });

  it('gives the book log only the events it prints from a real server: no request or connection event is built for it', async () => {
    const events = new EventStream();
    const heard: ServerEvent[] = [];
    events.subscribe((e) => heard.push(e), BOOK_LOG_EVENT_TYPES);
    running = await startServer({ port: 0, workerCount: 2, events });
    const reply = await httpGet(running.port, '/');
    expect(reply.status).toBe(200);
    await running.shutdown();
    const types = new Set<ServerEventType>(heard.map((e) => e.type));
    expect([...types].sort()).toEqual(['job-started', 'server-listening', 'server-stopping', 'worker-exited', 'worker-stopping']);
    expect(heard.filter((e) => e.type === 'job-started')).toHaveLength(1);
  });
});
