// How many connections the process's open-file limit lets the server hold. Past the limit libuv accepts each
// new connection and closes it at once (its EMFILE reserve), so a client would get a reset and nobody a line
// saying why; a server that knows its budget refuses past it with a 503 instead, and says so once at start.

import { readdirSync, readFileSync } from 'node:fs';

/**
 * Descriptors left for everything a running server opens besides its connections: a page read, a worker
 * replaced, a recording, a viewer's socket, the sockets of a burst fired from the same process.
 */
export const DESCRIPTOR_HEADROOM = 64;
/** What one more thread costs in descriptors (its event loop's epoll, eventfd and timer: 4 measured on Linux). */
export const DESCRIPTORS_PER_THREAD = 4;

export interface ConnectionBudget {
  /** Connections held at once; past it a connection is refused with 503 at accept. */
  maxConnections: number;
  /** What the server was asked to hold (its maxConnections option). */
  askedMaxConnections: number;
  /** Refused connections that may linger, reading until their client closes. */
  maxLingeringRefusals: number;
  /** The process's open-file limit (its soft `ulimit -n`); null where it cannot be read (not Linux). */
  openFileLimit: number | null;
  /** True when the limit lowered maxConnections from what was asked (lingering refusals may be fewer without it). */
  isLoweredByOpenFileLimit: boolean;
}

export interface DescriptorCensus {
  /** The soft open-file limit, or null when unknown. */
  openFileLimit: number | null;
  /** Descriptors open now, or null when unknown. */
  openDescriptorCount: number | null;
}

/** Linux's view of this process; elsewhere both are null and the budget is what was asked. */
export function takeDescriptorCensus(): DescriptorCensus {
  return { openFileLimit: readOpenFileLimit(), openDescriptorCount: countOpenDescriptors() };
}

function readOpenFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'latin1')
      .split('\n')
      .find((text) => text.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === undefined || soft === 'unlimited') return null;
    const limit = Number(soft);
    return Number.isSafeInteger(limit) && limit > 0 ? limit : null;
  } catch {
    return null;
  }
}

function countOpenDescriptors(): number | null {
  try {
    // The listing's own descriptor is open while it reads: not counted.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}

/**
 * Connections and lingering refusals that fit the descriptors left, `threadsStillToStart` being the threads a
 * strategy may start later (per-request's). When everything asked for fits, it is what was asked; when not, the
 * connections asked for come first as long as an eighth of what is left remains to linger, and never fewer than one.
 */
export function connectionBudgetOf(
  census: DescriptorCensus,
  asked: { maxConnections: number; maxLingeringRefusals: number; threadsStillToStart: number },
): ConnectionBudget {
  const { openFileLimit, openDescriptorCount } = census;
  const unlowered: ConnectionBudget = {
    maxConnections: asked.maxConnections,
    askedMaxConnections: asked.maxConnections,
    maxLingeringRefusals: asked.maxLingeringRefusals,
    openFileLimit,
    isLoweredByOpenFileLimit: false,
  };
  if (openFileLimit === null || openDescriptorCount === null) return unlowered;
  const beforeThreads = openFileLimit - openDescriptorCount - DESCRIPTOR_HEADROOM;
  // A thread per request runs one held connection's request: threads are kept descriptors for no more of them than
  // could each pair with a connection, so a low limit holds fewer of both rather than starving the connections.
  const threadCount = Math.min(asked.threadsStillToStart, Math.max(0, Math.floor(beforeThreads / (1 + DESCRIPTORS_PER_THREAD))));
  const available = beforeThreads - DESCRIPTORS_PER_THREAD * threadCount;
  if (available >= asked.maxConnections + asked.maxLingeringRefusals) return unlowered;
  const maxLingeringRefusals = Math.min(
    asked.maxLingeringRefusals,
    Math.max(0, Math.floor(available / 8), available - asked.maxConnections),
  );
  const maxConnections = Math.max(1, Math.min(asked.maxConnections, available - maxLingeringRefusals));
  return {
    maxConnections,
    askedMaxConnections: asked.maxConnections,
    maxLingeringRefusals,
    openFileLimit,
    isLoweredByOpenFileLimit: maxConnections < asked.maxConnections,
  };
}

/** One line for a person starting the server, or null when the limit lowered nothing. */
export function describeLoweredBudget(budget: ConnectionBudget): string | null {
  if (!budget.isLoweredByOpenFileLimit) return null;
  const held = budget.maxConnections.toLocaleString('en-US');
  return (
    `the open-file limit (ulimit -n) is ${budget.openFileLimit?.toLocaleString('en-US')}, so at most ${held} ` +
    `connections are held at once (not ${budget.askedMaxConnections.toLocaleString('en-US')}) and those past them get 503; ` +
    'raise the limit before starting to hold more'
  );
}
