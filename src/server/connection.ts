// One client connection of the book's server: its socket and parser, the answers it owes in request order,
// its phase (one explicit state) and the timeout each phase runs. The server decides what a request gets;
// this module decides when the connection reads, writes, waits and closes. Per-connection rules (timeouts,
// flow control, later a send timeout or a fair share of the queue) and any view of open connections belong here.

import type net from 'node:net';
import type { ConnectionCloseReason } from '../shared/events';
import type { EventStream } from './event-stream';
import { HttpRequestParser, type ParserLimits } from './http/parser';
import { type ResponseParts, serializeResponse } from './http/response';

/** A client must finish sending a request within this long of its first byte, or it gets 408 (slowloris guard). */
export const DEFAULT_HEADER_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this long. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Requests one connection may have in flight (pipelined) before the server stops reading from it. */
export const MAX_PIPELINED_REQUESTS = 32;
/** Timeouts are checked by one sweep over all connections instead of a timer each, so the hot path never touches timers. */
export const TIMEOUT_SWEEP_INTERVAL_MS = 200;

/**
 * Where a connection is in its life: exactly one phase at a time. The first four follow what is owed and
 * what has arrived, back and forth; 'closing' and 'closed' only ever go forward.
 */
export type ConnectionPhase =
  /** Nothing owed, nothing half-read: waiting for the next request while the keep-alive timeout runs. */
  | 'idle'
  /** Part of a request has arrived: the header timeout runs from its first byte until the request is complete. */
  | 'receiving'
  /** Answers are owed (their jobs queued or running); further pipelined requests are still read. No timeout. */
  | 'answering'
  /**
   * The socket is paused: MAX_PIPELINED_REQUESTS answers are owed, or the client is not reading what was
   * written (its send buffer is full). No read timeout: the server, not the client, is the one waiting.
   */
  | 'throttled'
  /** No further requests are read (the last asked to close, a parse error, a timeout, shutdown, the peer's FIN); owed answers go out, then the socket ends. */
  | 'closing'
  /** The socket is gone. Jobs still running for it finish; their answers are reported, not written. */
  | 'closed';

/** One request on its way through the server, kept in its connection's response order. Made only by Connection.owe(). */
export interface Exchange {
  readonly requestId: number;
  readonly isHead: boolean;
  keepAlive: boolean;
  /** Serialised answer, or null while the job runs. */
  response: Buffer | null;
  status: number;
}

export interface ConnectionTimeouts {
  headerTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** What a phase's timeout means when it fires. */
export type ExpiredTimeout = 'header' | 'idle';

const EMPTY_RESPONSE = Buffer.alloc(0);

export class Connection {
  readonly parser: HttpRequestParser;
  private currentPhase: ConnectionPhase = 'idle';
  /** Answers owed, in request order (RFC 9112 §9.3.2: pipelined responses go out in the order of their requests). */
  private readonly owed: Exchange[] = [];
  /** Requests answered: written, or dropped because the client had gone. */
  answeredCount = 0;
  closeReason: ConnectionCloseReason | null = null;
  /** When the current phase's timeout fires (Date.now() ms); Infinity for phases without one. */
  private deadlineAt: number;
  private peerAddress: string | null = null;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly timeouts: ConnectionTimeouts,
    parserLimits: Partial<ParserLimits> | undefined,
    private readonly events: EventStream,
  ) {
    this.parser = new HttpRequestParser(parserLimits);
    this.deadlineAt = Date.now() + timeouts.keepAliveTimeoutMs;
  }

  get phase(): ConnectionPhase {
    return this.currentPhase;
  }

  /** False once the connection reads no further requests ('closing', 'closed'). */
  get isReadingRequests(): boolean {
    return this.currentPhase !== 'closing' && this.currentPhase !== 'closed';
  }

  /** Answers owed and not yet written. */
  get owedCount(): number {
    return this.owed.length;
  }

  /** Read only for events: each first read is a getpeername() system call, which an unwatched server skips. */
  get remoteAddress(): string {
    this.peerAddress ??= this.socket.remoteAddress ?? '';
    return this.peerAddress;
  }

  // ── answers ────────────────────────────────────────────────────────────────

  /** Records a request the connection now owes an answer to; one that does not keep the connection alive is its last. */
  owe(requestId: number, isHead: boolean, keepAlive: boolean): Exchange {
    const exchange: Exchange = { requestId, isHead, keepAlive, response: null, status: 0 };
    this.owed.push(exchange);
    if (!keepAlive) this.stopReading();
    return exchange;
  }

  /** Serialises the answer and writes every finished answer at the head of the line. */
  answer(exchange: Exchange, parts: ResponseParts, isServerStopping: boolean): void {
    // Once the server is stopping, every answer says it closes (RFC 9112 §9.6).
    if (isServerStopping) exchange.keepAlive = false;
    exchange.status = parts.status;
    exchange.response = this.currentPhase === 'closed' ? EMPTY_RESPONSE : serializeResponse(parts, exchange.isHead, exchange.keepAlive);
    this.flush(isServerStopping);
  }

  /** Writes (or, for a vanished client, only reports) every finished answer at the head of the line, in order. */
  flush(isServerStopping: boolean): void {
    const events = this.events;
    const owed = this.owed;
    const closedReason: ConnectionCloseReason = isServerStopping ? 'shutdown' : 'server-closed';
    while (owed.length > 0 && owed[0]!.response !== null) {
      const exchange = owed.shift()!;
      const response = exchange.response!;
      let bytes = 0;
      if (this.currentPhase !== 'closed' && this.socket.writable) {
        bytes = response.byteLength;
        this.socket.write(response);
      }
      this.answeredCount++;
      if (events.isObserved) {
        events.emit({ type: 'response-sent', at: events.now(), requestId: exchange.requestId, status: exchange.status, bytes });
      }
      if (!exchange.keepAlive) this.closeAfterWrites(closedReason);
    }
    if (owed.length === 0 && this.currentPhase === 'closing') this.closeAfterWrites(closedReason);
    this.settle();
  }

  // ── reading and closing ────────────────────────────────────────────────────

  /** After the server has handled a read: the phase follows what is now owed and half-read. */
  afterRead(): void {
    this.settle();
  }

  /** The client read what was waiting in its send buffer. */
  onDrain(): void {
    this.settle();
  }

  /** The peer half-closed: answer what it is owed, then close. The peer ended it, however long the answers take. */
  onPeerEnd(): void {
    this.closeReason ??= 'client-closed';
    this.closeWhenAnswered('client-closed');
  }

  onSocketError(error: NodeJS.ErrnoException): void {
    // A reset from the peer is the peer leaving, not a server fault.
    this.closeReason ??= error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'client-closed' : 'socket-error';
  }

  /** The socket has closed: nothing more is written; owed answers are still reported by flush() as their jobs finish. */
  onClosed(): void {
    this.currentPhase = 'closed';
    this.deadlineAt = Infinity;
  }

  /** Reads no further requests; closes at once when nothing is owed, otherwise after the last answer is written. */
  closeWhenAnswered(reasonIfNow: ConnectionCloseReason): void {
    this.stopReading();
    if (this.owed.length === 0) this.closeAfterWrites(reasonIfNow);
  }

  /** Ends the connection once what is written has been sent. */
  closeAfterWrites(reason: ConnectionCloseReason): void {
    if (this.currentPhase === 'closed') return;
    this.closeReason ??= reason;
    this.stopReading();
    // end() flushes what is queued, then sends FIN; destroySoon() also frees the socket once that is done.
    if (!this.socket.writableEnded) this.socket.destroySoon();
  }

  /** Answers a connection the server will not serve (refused at accept) and ends it. */
  refuse(reason: ConnectionCloseReason, response: Buffer): void {
    this.closeReason = reason;
    this.stopReading();
    this.socket.end(response);
  }

  // ── timeouts ───────────────────────────────────────────────────────────────

  /** The timeout of the current phase, if it has run out at `nowMs` (Date.now()). */
  expiredTimeout(nowMs: number): ExpiredTimeout | null {
    if (nowMs < this.deadlineAt) return null;
    return this.currentPhase === 'receiving' ? 'header' : 'idle';
  }

  // ── phases ─────────────────────────────────────────────────────────────────

  private stopReading(): void {
    if (this.isReadingRequests) this.enter('closing');
  }

  /** Picks the open phase from what is owed and what has arrived; 'closing' and 'closed' stay as they are. */
  private settle(): void {
    if (!this.isReadingRequests) return;
    if (this.owed.length >= MAX_PIPELINED_REQUESTS || this.socket.writableNeedDrain) this.enter('throttled');
    else if (this.owed.length > 0) this.enter('answering');
    else if (this.parser.hasPartialRequest) this.enter('receiving');
    else this.enter('idle');
  }

  private enter(phase: ConnectionPhase): void {
    const previous = this.currentPhase;
    // Staying in a phase keeps its deadline: a request trickling in byte by byte does not restart its header timeout.
    if (phase === previous) return;
    this.currentPhase = phase;
    if (previous === 'throttled') this.socket.resume();
    else if (phase === 'throttled') this.socket.pause();
    const nowMs = Date.now();
    if (phase === 'idle') this.deadlineAt = nowMs + this.timeouts.keepAliveTimeoutMs;
    else if (phase === 'receiving') this.deadlineAt = nowMs + this.timeouts.headerTimeoutMs;
    else this.deadlineAt = Infinity;
  }
}
