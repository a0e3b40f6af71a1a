// The gate the bench's recorder row switches the recorder through (bench/whole-requests.ts): switched on and off
// under load, the recorder must hold whole requests only (every event of a request or none), as the app's does.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WholeRequestGate } from '../bench/whole-requests';
import { EventHistory } from '../src/history';
import type { ServerEvent } from '../src/shared/events';
import { receivedEvent } from './support/sample-events';

const AT = 1_700_000_000_000;

function received(requestId: number): ServerEvent {
  return receivedEvent(AT, requestId);
}

function rejected(requestId: number, status: number, errorCode: string): ServerEvent {
  return { type: 'request-rejected', at: AT, requestId, connectionId: 1, status, errorCode };
}

/** A GET / answered by a worker: its five events in order. */
function lifeOf(requestId: number): ServerEvent[] {
  return [
    received(requestId),
    { type: 'job-queued', at: AT, requestId, queueDepth: 1 },
    { type: 'job-started', at: AT, requestId, workerId: 0, waitMs: 0, queueDepth: 0 },
    { type: 'job-finished', at: AT, requestId, workerId: 0, runMs: 0.1, status: 200 },
    { type: 'response-sent', at: AT, requestId, status: 200, bytes: 100 },
  ];
}

describe('WholeRequestGate', () => {
  it('lets in the requests received after open() and none of those already in flight', () => {
    const gate = new WholeRequestGate();
    const [received1, queued1, ...rest1] = lifeOf(1);
    expect(gate.admit(received1!)).toBe(false); // closed: nothing of a request
    gate.open();
    expect(gate.admit(queued1!)).toBe(false);
    const [received2, ...rest2] = lifeOf(2);
    expect(gate.admit(received2!)).toBe(true);
    for (const event of rest1) expect(gate.admit(event)).toBe(false);
    for (const event of rest2) expect(gate.admit(event)).toBe(true);
    expect(gate.admit({ type: 'connection-opened', at: AT, connectionId: 3, remoteAddress: '127.0.0.1', remotePort: 4000 })).toBe(true);
    expect(gate.admit({ type: 'worker-replaced', at: AT, workerId: 1 })).toBe(true);
  });

  it('after close() lets no new request in, still lets in the rest of those it took, and is drained when they are answered', () => {
    const gate = new WholeRequestGate();
    gate.open();
    const [received5, queued5, started5, finished5, sent5] = lifeOf(5);
    expect(gate.admit(received5!)).toBe(true);
    expect(gate.admit(queued5!)).toBe(true);
    gate.close();
    expect(gate.isOpen).toBe(false);
    expect(gate.isDrained).toBe(false);
    expect(gate.requestsInFlight).toBe(1);
    for (const event of lifeOf(6)) expect(gate.admit(event)).toBe(false);
    expect(gate.admit(rejected(7, 408, 'HEADER_TIMEOUT'))).toBe(false);
    expect(gate.admit(started5!)).toBe(true);
    expect(gate.admit(finished5!)).toBe(true);
    expect(gate.isDrained).toBe(false);
    expect(gate.admit(sent5!)).toBe(true);
    expect(gate.isDrained).toBe(true);
  });

  it('takes a request rejected unread as new, and a full queue’s 503 as the end of one it took', () => {
    const gate = new WholeRequestGate();
    gate.open();
    expect(gate.admit(rejected(10, 400, 'BAD_REQUEST'))).toBe(true);
    expect(gate.admit(received(11))).toBe(true);
    expect(gate.admit(rejected(11, 503, 'QUEUE_FULL'))).toBe(true);
    expect(gate.requestsInFlight).toBe(2);
    gate.close();
    expect(gate.admit({ type: 'response-sent', at: AT, requestId: 10, status: 400, bytes: 10 })).toBe(true);
    expect(gate.admit({ type: 'response-sent', at: AT, requestId: 11, status: 503, bytes: 10 })).toBe(true);
    expect(gate.isDrained).toBe(true);
  });

  it('closed without a request taken is drained at once, and takes none of the requests it then sees', () => {
    const gate = new WholeRequestGate();
    gate.open();
    for (const event of lifeOf(3).slice(1)) expect(gate.admit(event)).toBe(false);
    gate.close();
    expect(gate.isDrained).toBe(true);
    for (const event of lifeOf(4)) expect(gate.admit(event)).toBe(false);
  });

  it('switched on again before it drained, still lets in the rest of the requests it took, and none it missed meanwhile', () => {
    const gate = new WholeRequestGate();
    gate.open();
    const life1 = lifeOf(1);
    expect(gate.admit(life1.shift()!)).toBe(true);
    gate.close();
    const life2 = lifeOf(2);
    expect(gate.admit(life2.shift()!)).toBe(false);
    gate.open();
    const life3 = lifeOf(3);
    expect(gate.admit(life3.shift()!)).toBe(true);
    for (const event of life2) expect(gate.admit(event)).toBe(false);
    for (const event of [...life1, ...life3]) expect(gate.admit(event)).toBe(true);
    expect(gate.requestsInFlight).toBe(0);
    // A full queue's 503 for a request missed while closed is not taken for a new one.
    gate.close();
    expect(gate.admit(received(4))).toBe(false);
    gate.open();
    expect(gate.admit(rejected(4, 503, 'QUEUE_FULL'))).toBe(false);
    expect(gate.admit({ type: 'response-sent', at: AT, requestId: 4, status: 503, bytes: 10 })).toBe(false);
  });

  it('switched on and off at any moment of interleaved traffic, hands a recorder every event of a request or none', () => {
    fc.assert(
      fc.property(
        // Requests' lives interleaved: each step either receives the next request or moves one in flight on.
        fc.array(fc.nat({ max: 1_000 }), { minLength: 20, maxLength: 400 }),
        // Where the switch flips (on at the first, off at the second, …), as steps.
        fc.uniqueArray(fc.nat({ max: 400 }), { maxLength: 10 }),
        (choices, flipSteps) => {
          const flips = new Set(flipSteps);
          const gate = new WholeRequestGate();
          const history = new EventHistory({ startAt: AT });
          let isAttached = false;
          const inFlight: ServerEvent[][] = [];
          let nextId = 1;
          const admittedById = new Map<number, number>();
          const emit = (event: ServerEvent): void => {
            if (!isAttached || !gate.admit(event)) return;
            history.append(event);
            if ('requestId' in event) admittedById.set(event.requestId, (admittedById.get(event.requestId) ?? 0) + 1);
          };
          const steps = choices.length + 5 * 60;
          for (let step = 0; step < steps; step++) {
            if (flips.has(step)) {
              if (gate.isOpen) gate.close();
              else {
                isAttached = true;
                gate.open();
              }
            }
            const choice = choices[step];
            // A new request is received at once: the server numbers requests as it receives them.
            const isNew = choice !== undefined && (inFlight.length === 0 || choice % 3 === 0);
            if (isNew) inFlight.push(lifeOf(nextId++));
            if (inFlight.length === 0) continue;
            const i = isNew ? inFlight.length - 1 : (choice ?? step) % inFlight.length;
            emit(inFlight[i]!.shift()!);
            if (inFlight[i]!.length === 0) inFlight.splice(i, 1);
            // Detached once drained, as the bench's child detaches it.
            if (isAttached && gate.isDrained) isAttached = false;
          }
          // Every request was answered by now: each one the recorder saw, it saw whole.
          expect(inFlight).toEqual([]);
          for (const [, count] of admittedById) expect(count).toBe(5);
          const state = history.stateAt(history.lastAt ?? AT);
          expect(state?.requests ?? []).toEqual([]);
          expect(state?.queue ?? []).toEqual([]);
        },
      ),
    );
  });
});
