// The dashboard's load generator: fires N requests at the book server, one TCP connection each, as a
// browser-less client would. Plain node:net, bounded open sockets, and it never throws: failures are counted.

import net from 'node:net';
import { hostWithPort } from '../shared/address';
import type { BurstPath } from '../shared/commands';
import { BURST_USER_AGENT, burstUserAgent } from '../shared/events';

/** More than this many sockets at once would risk running out of file descriptors on a 5,000-request burst. */
export const MAX_BURST_OPEN_CONNECTIONS = 256;
/** Bytes of a response kept to read its status line; the rest is read and discarded. */
const MAX_STATUS_LINE_BYTES = 1024;

export interface BurstTarget {
  host: string;
  port: number;
}

export interface BurstOptions {
  maxOpenConnections?: number;
  /** Names the burst in every request's User-Agent (`poolscope-burst/1 (burst 3 of 8)`); without it, the bare product token. */
  burstId?: number;
}

export interface BurstReport {
  /** Requests attempted, one connection each. */
  sent: number;
  /** Requests answered with any HTTP status; statusCounts breaks them down. */
  succeeded: number;
  /** Requests that got no complete status line: refused, reset, or closed early. */
  failed: number;
  /** Answers by status code, e.g. { 200: 8 } or { 200: 4, 503: 4 }. */
  statusCounts: Record<number, number>;
}

/** A server bound to every interface is reached over loopback. */
export function connectHostFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** How one request on its own connection went; times on the caller's clock. */
export interface RequestOutcome {
  /** The status line's code; null when no answer arrived. */
  status: number | null;
  /** When the connection was established; null if it never was. */
  connectedAt: number | null;
  /** When the status line arrived; null without one. */
  respondedAt: number | null;
  /** When the connection closed: the response read to its end, or the failure. */
  closedAt: number;
  /** Why no answer arrived (refused, reset, closed early, or the abort's reason); null when one did. */
  error: string | null;
}

export interface SendOptions {
  /** The clock the outcome's times are read on; default Date.now. */
  now?: () => number;
  /** Aborting destroys the connection; the outcome's error is the signal's reason (a string) or "aborted". */
  signal?: AbortSignal;
}

function abortReasonOf(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'aborted';
}

/** One request on its own connection, read to its end. Resolves once the connection has closed; never rejects. */
export function sendRequest(host: string, port: number, rawRequest: string, options: SendOptions = {}): Promise<RequestOutcome> {
  const now = options.now ?? Date.now;
  const signal = options.signal;
  return new Promise((resolve) => {
    const outcome: RequestOutcome = { status: null, connectedAt: null, respondedAt: null, closedAt: Number.NaN, error: null };
    if (signal?.aborted) {
      resolve({ ...outcome, closedAt: now(), error: abortReasonOf(signal) });
      return;
    }
    let head = '';
    const socket = net.connect({ host, port });
    const onAbort = (): void => {
      outcome.error ??= abortReasonOf(signal!);
      socket.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setNoDelay(true);
    // No half-close: `Connection: close` asks the server to end the connection once it has answered.
    socket.on('connect', () => {
      outcome.connectedAt = now();
      socket.write(rawRequest);
    });
    socket.on('data', (chunk: Buffer) => {
      if (outcome.status !== null || head.length > MAX_STATUS_LINE_BYTES) return;
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(head);
      if (match) {
        outcome.status = Number(match[1]);
        outcome.respondedAt = now();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      outcome.error ??=
        error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ECONNRESET' ? 'connection reset' : error.message;
    });
    // 'close' follows 'end' and 'error' alike, so the answer is known exactly once, here.
    socket.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      outcome.closedAt = now();
      // A status line read is an answer, even if the connection then ended badly.
      if (outcome.status === null) outcome.error ??= 'closed without an answer';
      else outcome.error = null;
      resolve(outcome);
    });
  });
}

/** `GET <path>` on a connection of its own (`Connection: close`), as the burst and the scenario runner send it. */
export function rawGetRequest(path: string, target: BurstTarget, userAgent: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${hostWithPort(connectHostFor(target.host), target.port)}\r\nUser-Agent: ${userAgent}\r\nConnection: close\r\n\r\n`;
}

/**
 * Sends `count` requests, each `GET <path> HTTP/1.1` with `Connection: close` on a fresh connection, and reads
 * every response to its end. Resolves once all have finished, whatever the outcome.
 */
export async function fireBurst(target: BurstTarget, path: BurstPath, count: number, options: BurstOptions = {}): Promise<BurstReport> {
  const maxOpen = Math.max(1, options.maxOpenConnections ?? MAX_BURST_OPEN_CONNECTIONS);
  const host = connectHostFor(target.host);
  const userAgent = options.burstId === undefined ? BURST_USER_AGENT : burstUserAgent({ burstId: options.burstId, size: count });
  const rawRequest = rawGetRequest(path, target, userAgent);
  const report: BurstReport = { sent: 0, succeeded: 0, failed: 0, statusCounts: {} };
  let next = 0;

  const runLane = async (): Promise<void> => {
    while (next < count) {
      next++;
      report.sent++;
      const { status } = await sendRequest(host, target.port, rawRequest);
      if (status === null) {
        report.failed++;
      } else {
        report.succeeded++;
        report.statusCounts[status] = (report.statusCounts[status] ?? 0) + 1;
      }
    }
  };

  const lanes: Promise<void>[] = [];
  for (let i = 0; i < Math.min(maxOpen, count); i++) lanes.push(runLane());
  await Promise.all(lanes);
  return report;
}
