// Strategy 'single''s waits: every connection that waited, unread, for the one thread (the book's listen backlog),
// from when it opened until the thread took it or it closed unread — the single thread's queue, which has no jobs
// in it. Kept in the order the waits ended, bounded like the timeline's markers (they outlive the events).
// The waits going on at a moment are in the pool's state (PoolAggregate.waitingConnectionsInPlace).

/** Ended waits kept; the oldest go first. */
export const MAX_CONNECTION_WAITS = 10_000;

export interface ConnectionWait {
  runId: number;
  connectionId: number;
  /** When the connection opened: it waited from then. */
  sinceAt: number;
  /** When the thread took it, or it closed unread (its client left, or a 503 at shutdown). */
  endedAt: number;
  /** The thread took it and read its request; false: it closed unread. */
  wasRead: boolean;
  /** The request the thread read on it; -1 until that request arrives, and for one closed unread. */
  requestId: number;
}

/** One key per request of a history (request ids start again with each run). */
function requestKeyOf(runId: number, requestId: number): number {
  return runId * 2 ** 32 + requestId;
}

export class ConnectionWaits {
  private waits: ConnectionWait[] = [];
  /** The kept waits that were read, by their request (requestKeyOf). */
  private readonly byRequest = new Map<number, ConnectionWait>();
  /** The connection the thread took last: its request, read next, is the wait's request. */
  private lastTaken: ConnectionWait | null = null;

  /** A wait ended (connection-taken, or connection-closed while it waited). */
  end(runId: number, connectionId: number, sinceAt: number, endedAt: number, wasRead: boolean): void {
    const wait: ConnectionWait = { runId, connectionId, sinceAt, endedAt, wasRead, requestId: -1 };
    this.waits.push(wait);
    this.lastTaken = wasRead ? wait : null;
    // Drop the oldest half at once, so trimming costs O(1) per wait.
    if (this.waits.length > MAX_CONNECTION_WAITS * 1.5) {
      this.waits = this.waits.slice(-MAX_CONNECTION_WAITS);
      this.byRequest.clear();
      for (const kept of this.waits) if (kept.requestId !== -1) this.byRequest.set(requestKeyOf(kept.runId, kept.requestId), kept);
    }
  }

  /** A request arrived on a connection: the one just taken names its request. */
  requestRead(connectionId: number, requestId: number): void {
    const taken = this.lastTaken;
    if (taken === null || taken.connectionId !== connectionId) return;
    taken.requestId = requestId;
    this.byRequest.set(requestKeyOf(taken.runId, requestId), taken);
    this.lastTaken = null;
  }

  /** How long the connection of this request waited before it was read; 0 when it did not wait (or is not known). */
  waitMsOfRequest(runId: number, requestId: number): number {
    if (this.byRequest.size === 0) return 0;
    const wait = this.byRequest.get(requestKeyOf(runId, requestId));
    return wait === undefined ? 0 : wait.endedAt - wait.sinceAt;
  }

  /** The ended waits, in the order they ended, from the first that ended at or after `at`. */
  *endedFrom(at: number): Generator<Readonly<ConnectionWait>> {
    const waits = this.waits;
    let lo = 0;
    let hi = waits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (waits[mid]!.endedAt < at) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < waits.length; i++) yield waits[i]!;
  }

  get approximateBytes(): number {
    return this.waits.length * 80 + this.byRequest.size * 40;
  }
}
