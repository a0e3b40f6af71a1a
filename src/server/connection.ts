// One client connection of the book's server: its socket and parser, the answers it owes in request order,
// its phase (one explicit state), the timeouts each phase runs, how many requests it may have in flight and
// how it closes. The server decides what a request gets; this module decides when the connection reads,
// parses, writes, waits and closes. Per-connection rules and any view of open connections belong here.
//
// How one client is kept from hurting the others (nginx and Node's http server do the same things):
// - Pipelining: a connection hands the server at most its share of requests at a time (MAX_PIPELINED_REQUESTS,
//   less when many connections want the pool: PlaceShares). The parser stops right after the last request
//   the connection may take; the rest of that read is kept and the socket is paused until answers go out.
// - Output: while more than MAX_UNSENT_BYTES of answers wait to leave, no further request is parsed; a
//   connection whose waiting answers make no progress for sendTimeoutMs is dropped (nginx's send_timeout).
// - Timeouts run only while the server waits for the client: never while the server itself holds back.
// - Closing: a client that may still be sending is read (and its bytes dropped) until it closes, for a bounded
//   time and number of bytes, so it gets the last answer instead of a reset (RFC 9112 §9.6, nginx's lingering close).

import type net from 'node:net';
import type { ConnectionCloseReason } from '../shared/events';
import { requestOriginOf } from '../shared/pool-model';
import type { InFlightRequestState, OpenConnectionState } from '../shared/server-state';
import { SETTINGS } from '../shared/settings';
import type { EventStream } from './event-stream';
import type { HttpParseError } from './http/parse-errors';
import { HttpRequestParser, type ParsedRequest, type ParserLimits } from './http/parser';
import { type ResponseParts, serializeResponse } from './http/response';

/** A client must finish sending a request within this long of its first byte, or it gets 408 (slowloris guard). */
export const DEFAULT_HEADER_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this long. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Answers waiting to leave that make no progress for this long get their connection dropped (the sendTimeoutMs setting). */
export const DEFAULT_SEND_TIMEOUT_MS = SETTINGS.sendTimeoutMs.defaultValue;
/** After its last answer, how long a closing connection is read (and its bytes dropped) while the client may still be sending. */
export const DEFAULT_LINGER_TIMEOUT_MS = 5_000;
/** Requests one connection may have in flight (pipelined) at most; fewer when the pool's places are wanted by many (PlaceShares). */
export const MAX_PIPELINED_REQUESTS = 32;
/**
 * Answers written and not yet taken by the client's TCP stack that one connection may have before the server
 * stops parsing its requests (it goes on once all of them have left). It is the sockets' writable high-water
 * mark, so Node says when the output has drained. What a connection can have waiting is bounded by this
 * plus the answers it had already been allowed (at most MAX_PIPELINED_REQUESTS).
 */
export const MAX_UNSENT_BYTES = 64 * 1024;
/** A lingering close drops the connection once it has read this many bytes after it stopped reading requests. */
export const MAX_LINGER_BYTES = 8 * 1024 * 1024;
/** Timeouts are checked by one sweep over all connections instead of a timer each, so the hot path never touches timers. */
export const TIMEOUT_SWEEP_INTERVAL_MS = 200;

/**
 * Where a connection is in its life: exactly one phase at a time. The first four follow what is owed, what
 * has arrived and what is waiting to leave, back and forth; 'closing', 'lingering' and 'closed' only ever go
 * forward.
 */
export type ConnectionPhase =
  /** Nothing owed, nothing half-read: waiting for the next request while the keep-alive timeout runs (once all output has left). */
  | 'idle'
  /** Part of a request has arrived: the header timeout runs from its first byte (or from the end of the throttle) until it is complete. */
  | 'receiving'
  /** Answers are owed (their jobs queued or running); further pipelined requests are read, up to the connection's share. No read timeout. */
  | 'answering'
  /**
   * The server holds the connection back and its socket is paused: as many requests are in flight as its
   * share allows, its unsent answers are over MAX_UNSENT_BYTES, or input it read is waiting to be parsed. No
   * read timeout: the server, not the client, is the one waiting.
   */
  | 'throttled'
  /**
   * No further requests are read (the last asked to close, a parse error, a timeout, shutdown, the peer's
   * FIN); owed answers go out, then the server sends its FIN.
   */
  | 'closing'
  /**
   * The last answer and the FIN are out, but the client may still be sending (a refused body, requests after
   * one that closed): its bytes are read and dropped until it closes, for at most lingerTimeoutMs and
   * MAX_LINGER_BYTES, so its TCP stack does not reset the connection before the client has read its answer.
   */
  | 'lingering'
  /** The socket is gone. Jobs still running for it finish; their answers are reported, not written. */
  | 'closed';

/** One request on its way through the server, kept in its connection's response order. Made only by Connection.owe(). */
export interface Exchange {
  readonly requestId: number;
  /** What its request-received event said, for state reports; null for an answer to a request never read whole (a parse error, a 408). */
  readonly method: string | null;
  readonly target: string | null;
  readonly userAgent: string | null;
  /** performance.now() when its request was read; NaN when it was not read whole. */
  readonly receivedAtMs: number;
  readonly isHead: boolean;
  keepAlive: boolean;
  /** Serialised answer, or null while the job runs. */
  response: Buffer | null;
  status: number;
}

export interface ConnectionTimeouts {
  headerTimeoutMs: number;
  keepAliveTimeoutMs: number;
  sendTimeoutMs: number;
  lingerTimeoutMs: number;
}

/** What the server does with what a connection reads. */
export interface RequestHandler {
  onRequest(conn: Connection, request: ParsedRequest): void;
  onParseError(conn: Connection, error: HttpParseError): void;
}

/** What every connection of one server shares. */
export interface ConnectionRules {
  readonly timeouts: ConnectionTimeouts;
  readonly parserLimits: Partial<ParserLimits> | undefined;
  readonly events: EventStream;
  readonly shares: PlaceShares;
  readonly handler: RequestHandler;
}

/**
 * The pool's places (its workers and its queue) shared fairly among connections, so that no connection can
 * keep the others waiting whatever it sends. A connection may have `perConnection()` requests in flight: the
 * places divided by the connections holding some plus one, never more than MAX_PIPELINED_REQUESTS and never
 * fewer than 1. The "plus one" keeps a share free for a connection that holds none yet: the connections
 * already served can never fill the queue between them, so a newcomer finds a place instead of a 503. As
 * more connections want places, each share shrinks; a connection above its new share keeps what it has and
 * gets no more until its answers go out. The queue itself stays the book's FIFO: the share decides only
 * when a connection's next request is admitted, and a connection's requests wait, unparsed, in its own
 * socket. (With the defaults, 4 workers and 1,024 queue places, shares stay at 32 up to 31 busy connections.)
 */
export class PlaceShares {
  private holderCount = 0;

  constructor(private readonly places: number) {}

  /** Requests a connection may now have in flight. */
  perConnection(): number {
    const share = Math.floor(this.places / (this.holderCount + 1));
    return Math.max(1, Math.min(MAX_PIPELINED_REQUESTS, share));
  }

  /** Connections with at least one request in flight (also ones that have closed while their jobs run). */
  get holders(): number {
    return this.holderCount;
  }

  hold(): void {
    this.holderCount++;
  }

  release(): void {
    this.holderCount--;
  }
}

const EMPTY_RESPONSE = Buffer.alloc(0);
/** The interim answer to a client that waits before sending its body (RFC 9110 §10.1.1, §15.2.1). */
const CONTINUE_RESPONSE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** Turns a performance.now() reading into a state report's clock. */
export type TimeOf = (performanceNowMs: number) => number;

export class Connection {
  private readonly parser: HttpRequestParser;
  private currentPhase: ConnectionPhase = 'idle';
  /** Answers owed, in request order (RFC 9112 §9.3.2: pipelined responses go out in the order of their requests). */
  private readonly owed: Exchange[] = [];
  /** Requests answered: written, or dropped because the client had gone. */
  answeredCount = 0;
  closeReason: ConnectionCloseReason | null = null;
  /** When the current phase's timeout fires (Date.now() ms); Infinity for phases without one. */
  private deadlineAt: number;
  private peerAddress: string | null = null;
  /**
   * Bytes read but not parsed yet, because the connection could take no more requests: the rest of one read
   * (Node reads at most 64 KiB at a time), copied, plus, with 'data' events, what the paused socket had already
   * buffered. Parsed first when room opens, before the socket is resumed.
   */
  private keptInput: Buffer | null = null;
  private isKeptInputScheduled = false;
  /** The client may send more than the server will read (see 'lingering'). */
  private mayStillBeSending = false;
  /** May linger at all: refusals beyond the server's bound on lingering refused connections may not. */
  private mayLinger = true;
  private droppedInputBytes = 0;
  /** Bytes handed to socket.write(), so that what has left is this less socket.writableLength. */
  private writtenBytes = 0;
  /** The send timeout: what had left at the last sweep, and since when nothing more has. */
  private sentBytesAtLastSweep = 0;
  private lastSendProgressAt: number;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    /** performance.now() when it was accepted. */
    readonly openedAtMs: number,
    private readonly rules: ConnectionRules,
  ) {
    this.parser = new HttpRequestParser(rules.parserLimits);
    const nowMs = Date.now();
    this.deadlineAt = nowMs + rules.timeouts.keepAliveTimeoutMs;
    this.lastSendProgressAt = nowMs;
  }

  /**
   * Strategy 'single': the connection waited, unread, for the one thread; its timeouts start now, when the
   * server begins to read it, as they start at accept under the other strategies.
   */
  beginServing(): void {
    const nowMs = Date.now();
    this.deadlineAt = nowMs + this.rules.timeouts.keepAliveTimeoutMs;
    this.lastSendProgressAt = nowMs;
  }

  get phase(): ConnectionPhase {
    return this.currentPhase;
  }

  /** False once the connection reads no further requests ('closing', 'lingering', 'closed'). */
  get isReadingRequests(): boolean {
    const phase = this.currentPhase;
    return phase !== 'closing' && phase !== 'lingering' && phase !== 'closed';
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

  // ── input ──────────────────────────────────────────────────────────────────

  /**
   * One read from the socket, bytes[0, byteCount): parsed up to the connection's room for requests, the rest
   * copied and kept for later. The bytes may be the buffer every connection reads into (socket-reads.ts), which
   * the next read overwrites: nothing here or in the parser keeps a view of them past this call.
   */
  receive(bytes: Buffer, byteCount: number): void {
    if (!this.isReadingRequests) return this.dropInput(byteCount);
    // Only what the socket had buffered before it was paused can arrive while input is kept: it goes after it.
    if (this.keptInput !== null) this.keptInput = Buffer.concat([this.keptInput, bytes.subarray(0, byteCount)]);
    else this.parse(bytes, byteCount, false);
  }

  /** Parses input[0, inputEnd); `isOwned` when the connection owns `input` (its kept input), so the rest need not be copied. */
  private parse(input: Buffer, inputEnd: number, isOwned: boolean): void {
    const room = this.requestRoom();
    let end = 0;
    if (room > 0) {
      const handler = this.rules.handler;
      const { requests, error, end: parsedTo } = this.parser.execute(input, 0, room, inputEnd);
      end = parsedTo;
      for (let i = 0; i < requests.length; i++) {
        // Requests after one that closes the connection are not served (RFC 9112 §9.6).
        if (!this.isReadingRequests) {
          this.mayStillBeSending = true;
          break;
        }
        handler.onRequest(this, requests[i]!);
      }
      if (error !== null) {
        this.mayStillBeSending = true;
        if (this.isReadingRequests) handler.onParseError(this, error);
        end = inputEnd;
      }
    }
    if (end < inputEnd) {
      if (!this.isReadingRequests) this.mayStillBeSending = true;
      else if (isOwned) this.keptInput = end === 0 && inputEnd === input.length ? input : input.subarray(end, inputEnd);
      else this.keptInput = Buffer.from(input.subarray(end, inputEnd));
    }
    this.sendContinueIfAwaited();
    this.settle();
  }

  /**
   * A client that sent `Expect: 100-continue` waits for a 100 before its body (curl for a second): it gets one as soon
   * as its request is the next to be answered, so that the 100 cannot be taken for an earlier request's answer.
   */
  private sendContinueIfAwaited(): void {
    if (!this.isReadingRequests || this.owed.length > 0 || !this.parser.awaitsContinue || !this.socket.writable) return;
    this.parser.continueSent();
    this.write(CONTINUE_RESPONSE);
  }

  /** How many more requests the connection may hand the server now. */
  private requestRoom(): number {
    if (this.socket.writableNeedDrain) return 0;
    return this.rules.shares.perConnection() - this.owed.length;
  }

  /** Parses the kept input on a later turn of the event loop, so other sockets' reads and finished jobs go first. */
  private scheduleKeptInput(): void {
    if (this.isKeptInputScheduled) return;
    this.isKeptInputScheduled = true;
    setImmediate(() => {
      this.isKeptInputScheduled = false;
      const input = this.keptInput;
      if (input === null || !this.isReadingRequests) return;
      this.keptInput = null;
      this.parse(input, input.length, true);
    });
  }

  /** Bytes that arrive once no further requests are read are dropped, and bounded. */
  private dropInput(byteCount: number): void {
    if (this.currentPhase === 'closed') return;
    this.mayStillBeSending = true;
    this.droppedInputBytes += byteCount;
    if (this.droppedInputBytes > MAX_LINGER_BYTES) this.socket.destroy();
  }

  // ── answers ────────────────────────────────────────────────────────────────

  /**
   * Records a request the connection now owes an answer to (`request` null when it was not read whole: the
   * answer is an error); one that does not keep the connection alive is its last.
   */
  owe(requestId: number, request: ParsedRequest | null, receivedAtMs: number, keepAlive: boolean): Exchange {
    const exchange: Exchange = {
      requestId,
      method: request?.method ?? null,
      target: request?.target ?? null,
      userAgent: request?.userAgent ?? null,
      receivedAtMs,
      isHead: request?.method === 'HEAD',
      keepAlive,
      response: null,
      status: 0,
    };
    if (this.owed.length === 0) this.rules.shares.hold();
    this.owed.push(exchange);
    if (!keepAlive) this.stopReading();
    return exchange;
  }

  /** Serialises the answer and writes every finished answer at the head of the line. */
  answer(exchange: Exchange, parts: ResponseParts, isServerStopping: boolean): void {
    // Once the server is stopping, the connection reads no more requests, and its last answer owed says it closes
    // (RFC 9112 §9.6). Only the last: the answers before it, pipelined on the same connection, are still delivered.
    if (isServerStopping && exchange === this.owed[this.owed.length - 1]) exchange.keepAlive = false;
    exchange.status = parts.status;
    exchange.response = this.currentPhase === 'closed' ? EMPTY_RESPONSE : serializeResponse(parts, exchange.isHead, exchange.keepAlive);
    this.flush(isServerStopping);
  }

  /** Writes (or, for a vanished client, only reports) every finished answer at the head of the line, in order. */
  flush(isServerStopping: boolean): void {
    const events = this.events;
    const owed = this.owed;
    const wasHolding = owed.length > 0;
    const closedReason: ConnectionCloseReason = isServerStopping ? 'shutdown' : 'server-closed';
    while (owed.length > 0 && owed[0]!.response !== null) {
      const exchange = owed.shift()!;
      const response = exchange.response!;
      let bytes = 0;
      if (this.currentPhase !== 'closed' && this.socket.writable) {
        bytes = response.byteLength;
        this.write(response);
      }
      this.answeredCount++;
      if (events.wants['response-sent']) {
        events.emit({ type: 'response-sent', at: events.now(), requestId: exchange.requestId, status: exchange.status, bytes });
      }
      if (!exchange.keepAlive) this.closeAfterWrites(closedReason);
    }
    if (wasHolding && owed.length === 0) {
      this.rules.shares.release();
      // The request being read is next to be answered now (a closing connection reads none: nothing is sent then).
      this.sendContinueIfAwaited();
    }
    if (owed.length === 0 && this.currentPhase === 'closing') this.closeAfterWrites(closedReason);
    this.settle();
  }

  private get events(): EventStream {
    return this.rules.events;
  }

  private write(bytes: Buffer): void {
    this.writtenBytes += bytes.byteLength;
    this.socket.write(bytes);
  }

  // ── reading and closing ────────────────────────────────────────────────────

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
    this.keptInput = null;
  }

  /** Reads no further requests; closes at once when nothing is owed, otherwise after the last answer is written. */
  closeWhenAnswered(reasonIfNow: ConnectionCloseReason): void {
    this.stopReading();
    if (this.owed.length === 0) this.closeAfterWrites(reasonIfNow);
  }

  /**
   * Sends the FIN once what is written has been sent, then frees the socket, or lingers first when the client may
   * still be sending. When everything written is already with the kernel and the client is not expected to send
   * more, the socket is closed at once, as nginx closes a connection it need not linger on: the kernel sends the
   * answer, then the FIN, and the server saves a shutdown() and an event-loop turn per connection.
   */
  closeAfterWrites(reason: ConnectionCloseReason): void {
    if (this.currentPhase === 'closed') return;
    this.closeReason ??= reason;
    this.stopReading();
    const socket = this.socket;
    if (socket.writableEnded || socket.destroyed) return;
    if (!this.mayStillBeSending && socket.writableLength === 0) {
      socket.destroy();
      return;
    }
    socket.end();
    socket.once('finish', () => this.afterLastWrite());
  }

  /**
   * Answers a connection the server will not serve (refused at accept) and ends it. Its request is never read,
   * so it lingers, unless `mayLinger` is false (the server bounds how many refused connections linger at once).
   */
  refuse(reason: ConnectionCloseReason, response: Buffer, mayLinger: boolean): void {
    this.closeReason = reason;
    this.stopReading();
    this.mayStillBeSending = true;
    this.mayLinger = mayLinger;
    this.write(response);
    this.closeAfterWrites(reason);
  }

  private afterLastWrite(): void {
    if (this.currentPhase === 'closed') return;
    if (this.mayStillBeSending && this.mayLinger && !this.socket.readableEnded) this.enter('lingering');
    else this.socket.destroy();
  }

  // ── state reports ──────────────────────────────────────────────────────────

  /** This connection as a state report shows it; reads its peer's address (a system call) if nothing has yet. */
  stateReport(timeOf: TimeOf, refused: boolean): OpenConnectionState {
    const phase = this.currentPhase;
    // A closed connection has left the server's sets before anyone can ask; reported as closing if ever.
    return {
      id: this.id,
      remoteAddress: this.remoteAddress,
      remotePort: this.socket.remotePort ?? 0,
      phase: phase === 'closed' ? 'closing' : phase,
      refused,
      openedAt: timeOf(this.openedAtMs),
      requestsInFlight: this.owed.length,
    };
  }

  /** Appends the requests it still owes answers to, in request order (answers to requests never read whole are left out). */
  reportRequestsInFlight(timeOf: TimeOf, into: InFlightRequestState[]): void {
    for (const exchange of this.owed) {
      if (exchange.method === null || exchange.target === null) continue;
      into.push({
        requestId: exchange.requestId,
        connectionId: this.id,
        method: exchange.method,
        target: exchange.target,
        userAgent: exchange.userAgent,
        origin: requestOriginOf(exchange.userAgent),
        receivedAt: timeOf(exchange.receivedAtMs),
        status: exchange.response === null ? null : exchange.status,
      });
    }
  }

  // ── timeouts ───────────────────────────────────────────────────────────────

  /**
   * Runs out whatever timeout has expired at `nowMs` (Date.now()): closes an idle connection, drops one whose
   * output has stalled or whose lingering is over. Returns 'header-timeout' when a request was not complete in
   * time: the server answers that one (408), since it owes the client a status.
   */
  sweep(nowMs: number): 'header-timeout' | null {
    if (this.hasStalledOutput(nowMs)) {
      // Whatever else was closing it, the client's not reading is why its answers never arrive.
      this.closeReason = 'send-timeout';
      this.socket.destroy();
      return null;
    }
    if (nowMs < this.deadlineAt) return null;
    switch (this.currentPhase) {
      case 'receiving':
        return 'header-timeout';
      case 'idle':
        // nginx starts keepalive_timeout once the response has left; until then the send timeout watches.
        if (this.socket.writableLength > 0) this.deadlineAt = nowMs + this.rules.timeouts.keepAliveTimeoutMs;
        else this.closeAfterWrites('idle-timeout');
        return null;
      case 'lingering':
        this.socket.destroy();
        return null;
      default:
        return null;
    }
  }

  /** True when answers are waiting to leave and none of their bytes has left for sendTimeoutMs. */
  private hasStalledOutput(nowMs: number): boolean {
    const unsentBytes = this.socket.writableLength;
    const sentBytes = this.writtenBytes - unsentBytes;
    if (unsentBytes === 0 || sentBytes !== this.sentBytesAtLastSweep) {
      this.sentBytesAtLastSweep = sentBytes;
      this.lastSendProgressAt = nowMs;
      return false;
    }
    return nowMs - this.lastSendProgressAt >= this.rules.timeouts.sendTimeoutMs;
  }

  // ── phases ─────────────────────────────────────────────────────────────────

  private stopReading(): void {
    if (!this.isReadingRequests) return;
    // What the client sent beyond the last request read is never parsed: the client may still be sending.
    if (this.keptInput !== null || this.parser.hasPartialRequest) this.mayStillBeSending = true;
    this.keptInput = null;
    this.enter('closing');
  }

  /** Picks the open phase from what is owed, kept, waiting to leave and half-read; the closing phases stay as they are. */
  private settle(): void {
    if (!this.isReadingRequests) return;
    const room = this.requestRoom();
    if (room <= 0 || this.keptInput !== null) {
      this.enter('throttled');
      if (room > 0) this.scheduleKeptInput();
    } else if (this.owed.length > 0) this.enter('answering');
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
    const timeouts = this.rules.timeouts;
    if (phase === 'idle') this.deadlineAt = nowMs + timeouts.keepAliveTimeoutMs;
    else if (phase === 'receiving') this.deadlineAt = nowMs + timeouts.headerTimeoutMs;
    else if (phase === 'lingering') this.deadlineAt = nowMs + timeouts.lingerTimeoutMs;
    else this.deadlineAt = Infinity;
  }
}
