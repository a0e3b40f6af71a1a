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
function connectHostFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** One request on its own connection; resolves to the status code, or null when no answer arrived. */
function sendOne(host: string, port: number, rawRequest: string): Promise<number | null> {
  return new Promise((resolve) => {
    let head = '';
    let status: number | null = null;
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    // No half-close: `Connection: close` asks the server to end the connection once it has answered.
    socket.on('connect', () => socket.write(rawRequest));
    socket.on('data', (chunk: Buffer) => {
      if (status !== null || head.length > MAX_STATUS_LINE_BYTES) return;
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(head);
      if (match) status = Number(match[1]);
    });
    // 'close' follows 'end' and 'error' alike, so the answer is known exactly once, here.
    socket.on('error', () => {});
    socket.on('close', () => resolve(status));
  });
}

/**
 * Sends `count` requests, each `GET <path> HTTP/1.1` with `Connection: close` on a fresh connection, and reads
 * every response to its end. Resolves once all have finished, whatever the outcome.
 */
export async function fireBurst(target: BurstTarget, path: BurstPath, count: number, options: BurstOptions = {}): Promise<BurstReport> {
  const maxOpen = Math.max(1, options.maxOpenConnections ?? MAX_BURST_OPEN_CONNECTIONS);
  const host = connectHostFor(target.host);
  const rawRequest =
    `GET ${path} HTTP/1.1\r\n` +
    `Host: ${hostWithPort(host, target.port)}\r\n` +
    `User-Agent: ${options.burstId === undefined ? BURST_USER_AGENT : burstUserAgent({ burstId: options.burstId, size: count })}\r\n` +
    `Connection: close\r\n\r\n`;
  const report: BurstReport = { sent: 0, succeeded: 0, failed: 0, statusCounts: {} };
  let next = 0;

  const runLane = async (): Promise<void> => {
    while (next < count) {
      next++;
      report.sent++;
      const status = await sendOne(host, target.port, rawRequest);
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
