// A strict, incremental HTTP/1.1 request parser (RFC 9112): bytes in, complete requests or one error out.
// It owns framing and limits only; it never decides routes or statuses beyond its error table, and never buffers unbounded:
// a connection's parser holds at most one unfinished line and one body, each within its limit, however the bytes are cut.

import { isIPv6 } from 'node:net';
import type { HttpParseErrorCode } from '../../shared/rejections';
import { type HttpParseError, httpParseError } from './parse-errors';

/** Bytes of the request line, CRLF not counted. */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024;
/** Bytes of the header section after the request line: every field line and the blank line that ends it, CRLFs counted. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_HEADER_COUNT = 100;
/** Bytes of the decoded body, whether framed by Content-Length or chunked. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Bytes of one chunk-size line with its extensions, CRLF not counted. */
export const MAX_CHUNK_LINE_BYTES = 4 * 1024;
/**
 * How many more bytes a chunked body's framing may take than its data: every chunk-size line with its
 * extensions and CRLF, and the CRLF after each chunk's data (the trailer section has the header limits).
 *
 * Why this rule: one-byte chunks cost five framing bytes per data byte, so a body just under the body limit
 * can be 6 MB on the wire and a million chunks to parse. Node's llhttp-based server bounds the same attack
 * by the chunk extensions of a message (16 KiB, `kMaxChunkExtensionsSize`, answered 413); nginx parses
 * chunk framing without a cap and copies small chunks into one buffer. Counting all the framing bounds
 * extensions and tiny chunks alike; letting the allowance grow with the data never refuses a body whose
 * chunks carry at least about five bytes each, whatever their number. So a chunked body is at most twice
 * its data plus 16 KiB on the wire (plus trailers), and never more than 2 × maxBodyBytes + 16 KiB.
 */
export const MAX_CHUNK_FRAMING_EXCESS_BYTES = 16 * 1024;

export interface ParserLimits {
  maxRequestLineBytes: number;
  maxHeaderBytes: number;
  maxHeaderCount: number;
  maxBodyBytes: number;
  maxChunkFramingExcessBytes: number;
}

export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLineBytes: MAX_REQUEST_LINE_BYTES,
  maxHeaderBytes: MAX_HEADER_BYTES,
  maxHeaderCount: MAX_HEADER_COUNT,
  maxBodyBytes: MAX_BODY_BYTES,
  maxChunkFramingExcessBytes: MAX_CHUNK_FRAMING_EXCESS_BYTES,
});

export interface ParsedRequest {
  /** As sent: an uppercase token. */
  method: string;
  /** As sent: origin-form, absolute-form, `*` (OPTIONS) or authority-form (CONNECT). */
  target: string;
  /**
   * What the routes match: the path and query. The target itself in origin-form; in absolute-form its path
   * and query, `/` standing for an empty path (RFC 9110 §4.2.3). `*` and authority-form have no path and are
   * passed as sent.
   */
  pathAndQuery: string;
  versionMinor: 0 | 1;
  /** In arrival order; names lowercased, values without surrounding whitespace, decoded as latin1. */
  headers: Array<[name: string, value: string]>;
  /** The first User-Agent value, or null when absent. */
  userAgent: string | null;
  /**
   * The authority of an absolute-form target, which replaces any Host header (RFC 9112 §3.2.2), else the
   * Host header's value; null when neither is present (HTTP/1.0 only: HTTP/1.1 requires Host regardless).
   */
  host: string | null;
  /**
   * Decoded (de-chunked) body; a shared empty buffer when there is none. Never a view of the caller's chunks;
   * a chunked body may be a view of the buffer it grew in, at most twice its size and never over maxBodyBytes.
   */
  body: Buffer;
  /**
   * RFC 9112 §9.3: HTTP/1.1 persists unless Connection lists `close`; HTTP/1.0 connections always close. So
   * does CONNECT: what a client sends after it is meant for a tunnel, not HTTP (llhttp stops parsing there too).
   */
  keepAlive: boolean;
}

export interface ParseResult {
  /** Every request completed by this call, in order: at most the `maxRequests` asked for. */
  requests: ParsedRequest[];
  /** Set once the stream is invalid; from then on every call returns it again and no requests. */
  error: HttpParseError | null;
  /**
   * Where in the chunk parsing stopped: its end (`chunkEnd`) when every byte was taken, less only when `maxRequests`
   * requests were complete first. The bytes from here on are untouched: pass them again (the same chunk and
   * this offset) to go on. Meaningless once `error` is set.
   */
  end: number;
}

const EMPTY_BODY = Buffer.alloc(0);
/** A carry buffer up to this size is reused for the next unfinished line; a larger one is dropped once its line is done. */
const CARRY_KEPT_BYTES = 1024;
/** The first buffer a body gets, unless the body is smaller; it then doubles as data arrives. */
const MIN_BODY_CAPACITY_BYTES = 1024;
/** Copies shorter than this are done byte by byte: cheaper than a call into Buffer#copy (one-byte chunks). */
const SHORT_COPY_BYTES = 16;
/** A line's first bytes are searched for its LF in JS, the rest by Buffer#indexOf: most lines are short. */
const SHORT_LINE_SCAN_BYTES = 32;
/**
 * Field values up to this many bytes, at the first RECENT_VALUE_COUNT positions of a header section, are kept for
 * the connection's next request (see fieldValue): at most 512 bytes of strings per connection.
 */
const RECENT_VALUE_BYTES = 64;
const RECENT_VALUE_COUNT = 8;
/** Request bytes quoted in an error message are cut to this many characters. */
const MESSAGE_EXCERPT_CHARS = 64;
const NO_REQUESTS: ParsedRequest[] = [];

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const QUESTION = 0x3f;

/** A byte table: 1 for ASCII letters and digits and for the bytes of `others`, else 0. */
function alnumAnd(others: string): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    const isAlnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    table[c] = isAlnum || others.includes(String.fromCharCode(c)) ? 1 : 0;
  }
  return table;
}
/** RFC 9110 §5.6.2 tchar. */
const IS_TCHAR = alnumAnd("!#$%&'*+-.^_`|~");
/** RFC 9110 §5.5 field-value bytes: VCHAR, obs-text, SP, HTAB. */
const IS_FIELD_VALUE = new Uint8Array(256);
for (let c = 0; c < 256; c++) IS_FIELD_VALUE[c] = c === SP || c === HTAB || (c >= 0x21 && c !== 0x7f) ? 1 : 0;
/** Request-target bytes: visible ASCII only; the form is checked separately. */
const IS_TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) IS_TARGET[c] = 1;
/** RFC 3986 §3.2.2 reg-name bytes: unreserved and sub-delims; pct-encoded is checked on its own. */
const IS_REG_NAME = alnumAnd("-._~!$&'()*+,;=");
/** RFC 9112 §7.1.1 quoted-string qdtext. */
const IS_QDTEXT = new Uint8Array(256);
for (let c = 0; c < 256; c++)
  IS_QDTEXT[c] = c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80 ? 1 : 0;
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX_VALUE[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_VALUE[0x41 + c] = 10 + c;
  HEX_VALUE[0x61 + c] = 10 + c;
}

/**
 * A Host field's value (RFC 9112 §3.2): uri-host [ ":" port ], the host a reg-name (unreserved, pct-encoded and
 * sub-delims characters; empty when the target has no authority), an IPv4 address or an IP literal in brackets.
 */
const HOST_VALUE = /^(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/** Names most requests carry, matched case-insensitively from the bytes so the hot path decodes no string for them. */
const COMMON_FIELD_NAMES = [
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'connection',
  'content-length',
  'content-type',
  'transfer-encoding',
  'cache-control',
  'pragma',
  'referer',
  'origin',
  'cookie',
  'upgrade-insecure-requests',
  'dnt',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-fetch-user',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'if-none-match',
  'if-modified-since',
  'x-forwarded-for',
  'authorization',
  'priority',
];
const COMMON_FIELD_NAMES_BY_LENGTH: Array<Array<{ name: string; bytes: Buffer }>> = [];
for (const name of COMMON_FIELD_NAMES) {
  COMMON_FIELD_NAMES_BY_LENGTH[name.length] ??= [];
  COMMON_FIELD_NAMES_BY_LENGTH[name.length]!.push({ name, bytes: Buffer.from(name, 'latin1') });
}
const COMMON_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].map((name) => ({
  name,
  bytes: Buffer.from(name, 'latin1'),
}));

/** Positions in the grammar (RFC 9112 §2.1). Line states consume CRLF-terminated lines; the others consume raw bytes. */
const enum State {
  RequestLine,
  FieldLine,
  /** Content-Length body. */
  BodyIdentity,
  ChunkSizeLine,
  ChunkData,
  /** The CRLF that ends each chunk's data. */
  ChunkDataCr,
  ChunkDataLf,
  TrailerLine,
  Dead,
}

export class HttpRequestParser {
  private readonly limits: ParserLimits;
  private state = State.RequestLine;
  private error: HttpParseError | null = null;
  /** Requests completed during the current execute(). */
  private completed: ParsedRequest[] = NO_REQUESTS;

  /** The start of a line that has not ended yet; bounded by the line's limit plus CRLF. */
  private carry: Buffer = EMPTY_BODY;
  private carryLength = 0;

  // The request being read; reset by startRequest().
  private method = '';
  private target = '';
  private pathAndQuery = '';
  /** The authority of an absolute-form target, or null. */
  private targetAuthority: string | null = null;
  private versionMinor: 0 | 1 = 1;
  private headers: Array<[string, string]> = [];
  private headerBytes = 0;
  private host: string | null = null;
  private userAgent: string | null = null;
  /** The last Host value that passed HOST_VALUE, kept across requests. */
  private lastValidHost: string | null = null;
  private hasCloseToken = false;
  /**
   * An HTTP/1.1 request's Expect field holds 100-continue (RFC 9110 §10.1.1) and no 100 was sent for it yet;
   * awaitsContinue says whether the client is waiting for one now.
   */
  private isContinueAwaited = false;
  /** Normalised digits (no leading zeros) of the Content-Length, or null when absent. */
  private contentLengthDigits: string | null = null;
  /** Every Transfer-Encoding value, joined in order with commas, or null when absent. */
  private transferEncoding: string | null = null;
  /**
   * The decoded body so far, in one buffer that grows by doubling as data arrives (not as it is announced),
   * so a body costs at most twice the bytes received and never more than its limit, whatever its chunking.
   */
  private body: Buffer = EMPTY_BODY;
  private bodyBytes = 0;
  /** What `body` may grow to: the Content-Length, or maxBodyBytes for a chunked body. */
  private bodyCapacityLimit = 0;
  /** Bytes left in the Content-Length body or in the current chunk. */
  private bodyRemaining = 0;
  /** Chunk-size lines and CRLFs of the chunked body so far (see MAX_CHUNK_FRAMING_EXCESS_BYTES). */
  private chunkFramingBytes = 0;
  private trailerBytes = 0;
  private trailerCount = 0;
  /** The short field values of the last request, by their position in its header section (fieldValue). */
  private readonly recentValues: string[] = [];

  constructor(limits: Partial<ParserLimits> = {}) {
    this.limits = { ...DEFAULT_PARSER_LIMITS };
    for (const key of Object.keys(DEFAULT_PARSER_LIMITS) as Array<keyof ParserLimits>) {
      const value = limits[key];
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`${key} must be a whole number of at least 0 (got ${value})`);
      this.limits[key] = value;
    }
  }

  /**
   * Whether the client waits for a 100 (Continue) before it sends the body of the request being read: an HTTP/1.1
   * request whose Expect holds 100-continue, its header section read and its body not yet whole (RFC 9110 §10.1.1).
   * The caller answers it once (continueSent()), when it is that request's turn to be answered.
   */
  get awaitsContinue(): boolean {
    // Once any of the body has come the client has stopped waiting (a 100 may be left out then: RFC 9110 §10.1.1).
    return (
      this.isContinueAwaited &&
      (this.state === State.BodyIdentity || this.state === State.ChunkSizeLine) &&
      this.bodyBytes === 0 &&
      this.chunkFramingBytes === 0 &&
      this.carryLength === 0
    );
  }

  /** The 100 (Continue) was written for the request being read. */
  continueSent(): void {
    this.isContinueAwaited = false;
  }

  /** True once some bytes of a request have arrived but the request is not complete; blank lines before a request do not count. */
  get hasPartialRequest(): boolean {
    if (this.state === State.Dead) return false;
    if (this.state !== State.RequestLine) return true;
    return this.carryLength > 1 || (this.carryLength === 1 && this.carry[0] !== CR);
  }

  /**
   * Parses `chunk` from `start` until its end, or until `maxRequests` requests are complete: a caller that may
   * take no more requests for now keeps the rest (from `end`) and passes it again later, so no byte is lost or
   * parsed twice. A request's last byte ends the call at once, before any byte of the next one is looked at.
   * `chunkEnd` ends the bytes to parse (the chunk's length unless given: a read into a larger buffer). Whatever
   * the parser keeps of a chunk past the call (an unfinished line, a body) it copies: the caller may reuse it.
   */
  execute(chunk: Buffer, start = 0, maxRequests = Number.POSITIVE_INFINITY, chunkEnd = chunk.length): ParseResult {
    if (this.error !== null) return { requests: NO_REQUESTS, error: this.error, end: chunkEnd };
    const requests: ParsedRequest[] = [];
    this.completed = requests;
    const end = chunkEnd;
    let pos = start;
    while (pos < end && this.state !== State.Dead && requests.length < maxRequests) {
      switch (this.state) {
        case State.RequestLine:
        case State.FieldLine:
        case State.ChunkSizeLine:
        case State.TrailerLine:
          pos = this.consumeLine(chunk, pos, end);
          break;
        case State.BodyIdentity:
        case State.ChunkData:
          pos = this.consumeBody(chunk, pos, end);
          break;
        case State.ChunkDataCr: {
          const byte = chunk[pos++];
          if (byte === CR) this.state = State.ChunkDataLf;
          else if (byte === LF) this.fail('BARE_LF', 'chunk data ends with LF instead of CRLF');
          else this.fail('INVALID_CHUNK', 'chunk data is longer than its declared size');
          break;
        }
        case State.ChunkDataLf:
          if (chunk[pos++] === LF) {
            this.chunkFramingBytes += 2;
            this.state = State.ChunkSizeLine;
          } else this.fail('INVALID_CHUNK', 'chunk data is not followed by CRLF');
          break;
      }
    }
    this.completed = NO_REQUESTS;
    return { requests, error: this.error, end: pos };
  }

  // ── lines ──────────────────────────────────────────────────────────────────

  /** Consumes up to one line; an unfinished line goes to the carry, unless it is already over its limit. */
  private consumeLine(chunk: Buffer, pos: number, end: number): number {
    const lf = indexOfLf(chunk, pos, end);
    if (lf === -1) {
      // No LF here, so a CR before the last byte is bare: the line can never end well (a last CR still may).
      const bareCrOffset = this.bareCrOffset(chunk, pos, end - 1);
      if (bareCrOffset !== -1) {
        this.failBareCr(bareCrOffset);
        return end;
      }
      const available = this.carryLength + (end - pos);
      // A trailing CR may still become the line's CRLF, so it is not counted against the limit yet.
      const shortestContent = chunk[end - 1] === CR ? available - 1 : available;
      if (shortestContent > this.maxLineContentBytes()) {
        this.failLineTooLong();
        return end;
      }
      this.appendToCarry(chunk, pos, end);
      return end;
    }
    if (this.carryLength === 0) {
      this.onLine(chunk, pos, lf);
      return lf + 1;
    }
    // A line this long cannot fit; checking first keeps the carry bounded.
    if (this.carryLength + (lf - pos) - 1 > this.maxLineContentBytes()) {
      const bareCrOffset = this.bareCrOffset(chunk, pos, lf - 1);
      if (bareCrOffset === -1) this.failLineTooLong();
      else this.failBareCr(bareCrOffset);
      return lf + 1;
    }
    this.appendToCarry(chunk, pos, lf + 1);
    const lineEnd = this.carryLength - 1;
    this.carryLength = 0;
    this.onLine(this.carry, 0, lineEnd);
    // One long line should not keep kilobytes per idle connection.
    if (this.carry.length > CARRY_KEPT_BYTES) this.carry = EMPTY_BODY;
    return lf + 1;
  }

  private appendToCarry(chunk: Buffer, start: number, end: number): void {
    const needed = this.carryLength + (end - start);
    if (needed > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.carry.length * 2, 256));
      this.carry.copy(grown, 0, 0, this.carryLength);
      this.carry = grown;
    }
    chunk.copy(this.carry, this.carryLength, start, end);
    this.carryLength = needed;
  }

  /** The most content bytes (CRLF excluded) the current line may have; negative when even a blank line would not fit. */
  private maxLineContentBytes(): number {
    switch (this.state) {
      case State.RequestLine:
        return this.limits.maxRequestLineBytes;
      case State.FieldLine:
        return this.limits.maxHeaderBytes - this.headerBytes - 2;
      case State.TrailerLine:
        return this.limits.maxHeaderBytes - this.trailerBytes - 2;
      default:
        return MAX_CHUNK_LINE_BYTES;
    }
  }

  /**
   * Content bytes before the first bare CR of the line whose next bytes are `chunk[pos, scanEnd)` (every CR there
   * known to be followed by something other than LF), or -1. The carry holds the line's earlier bytes: none of
   * them is a bare CR, or the line would have failed, except a last CR that `chunk` does not follow with LF.
   */
  private bareCrOffset(chunk: Buffer, pos: number, scanEnd: number): number {
    const carryLength = this.carryLength;
    if (carryLength > 0 && this.carry[carryLength - 1] === CR && chunk[pos] !== LF) return carryLength - 1;
    const cr = indexOfCr(chunk, pos, scanEnd);
    return cr === -1 ? -1 : carryLength + (cr - pos);
  }

  /**
   * The line has a bare CR after `contentOffset` bytes. Whichever a reader of the bytes meets first names the
   * failure, so every split of them fails alike: the CR, or the line's limit if it was passed before the CR.
   */
  private failBareCr(contentOffset: number): void {
    if (contentOffset > this.maxLineContentBytes()) return this.failLineTooLong();
    this.fail('BARE_CR', bareCrMessageOf(this.state));
  }

  private failLineTooLong(): void {
    switch (this.state) {
      case State.RequestLine:
        return this.fail('REQUEST_LINE_TOO_LONG', `request line is longer than ${this.limits.maxRequestLineBytes} bytes`);
      case State.FieldLine:
        return this.fail('HEADERS_TOO_LARGE', `header section is larger than ${this.limits.maxHeaderBytes} bytes`);
      case State.TrailerLine:
        return this.fail('HEADERS_TOO_LARGE', `trailer section is larger than ${this.limits.maxHeaderBytes} bytes`);
      default:
        return this.fail('CHUNK_LINE_TOO_LONG', `chunk size line is longer than ${MAX_CHUNK_LINE_BYTES} bytes`);
    }
  }

  /**
   * One complete line: `buf[start, lf)` then the LF at `lf`. A line refused for any reason with a bare CR in it
   * (within its limit) is refused for the CR, as consumeLine() refuses it when the CR arrives before the LF:
   * every split of the bytes fails alike. Only a refused line is searched, so a good one costs nothing more.
   */
  private onLine(buf: Buffer, start: number, lf: number): void {
    const lineState = this.state;
    const maxContentBytes = this.maxLineContentBytes();
    this.readLine(buf, start, lf, maxContentBytes);
    if (this.state !== State.Dead) return;
    if (indexOfCr(buf, start, Math.min(lf - 1, start + maxContentBytes + 1)) !== -1) this.fail('BARE_CR', bareCrMessageOf(lineState));
  }

  /** The length is checked before anything else so every split of the bytes fails alike. */
  private readLine(buf: Buffer, start: number, lf: number, maxContentBytes: number): void {
    const hasCr = lf > start && buf[lf - 1] === CR;
    const contentEnd = hasCr ? lf - 1 : lf;
    if (contentEnd - start > maxContentBytes) return this.failLineTooLong();
    if (!hasCr) return this.fail('BARE_LF', 'line ends with LF instead of CRLF');
    switch (this.state) {
      case State.RequestLine:
        // RFC 9112 §2.2: blank lines before a request line are ignored.
        if (contentEnd === start) return;
        return this.onRequestLine(buf, start, contentEnd);
      case State.FieldLine:
        this.headerBytes += contentEnd - start + 2;
        if (contentEnd === start) return this.onHeaderSectionEnd();
        if (this.headers.length >= this.limits.maxHeaderCount) {
          return this.fail('TOO_MANY_HEADERS', `request has more than ${this.limits.maxHeaderCount} header fields`);
        }
        return this.onFieldLine(buf, start, contentEnd, false);
      case State.ChunkSizeLine:
        return this.onChunkSizeLine(buf, start, contentEnd);
      case State.TrailerLine:
        this.trailerBytes += contentEnd - start + 2;
        if (contentEnd === start) return this.completeRequest();
        if (this.trailerCount >= this.limits.maxHeaderCount) {
          return this.fail('TOO_MANY_HEADERS', `request has more than ${this.limits.maxHeaderCount} trailer fields`);
        }
        this.trailerCount++;
        return this.onFieldLine(buf, start, contentEnd, true);
    }
  }

  // ── request line (RFC 9112 §3) ─────────────────────────────────────────────

  private onRequestLine(buf: Buffer, start: number, end: number): void {
    const methodEnd = buf.indexOf(SP, start);
    if (methodEnd === -1 || methodEnd >= end || methodEnd === start) {
      return this.fail('INVALID_REQUEST_LINE', 'request line is not "method target version"');
    }
    let versionStart = end;
    while (versionStart > methodEnd && buf[versionStart - 1] !== SP) versionStart--;
    const targetStart = methodEnd + 1;
    const targetEnd = versionStart - 1;
    if (targetEnd <= targetStart) return this.fail('INVALID_REQUEST_LINE', 'request line is not "method target version"');
    if (buf[targetStart] === SP || buf[targetEnd - 1] === SP) {
      return this.fail('INVALID_REQUEST_LINE', 'request line parts must be separated by exactly one space');
    }

    for (let i = start; i < methodEnd; i++) {
      const c = buf[i]!;
      if (IS_TCHAR[c] === 0 || (c >= 0x61 && c <= 0x7a)) {
        return this.fail('INVALID_METHOD', `method "${printable(buf, start, methodEnd)}" is not an uppercase token`);
      }
    }

    if (
      end - versionStart !== 8 ||
      buf[versionStart] !== 0x48 ||
      buf[versionStart + 1] !== 0x54 ||
      buf[versionStart + 2] !== 0x54 ||
      buf[versionStart + 3] !== 0x50 ||
      buf[versionStart + 4] !== SLASH ||
      !isDigit(buf[versionStart + 5]!) ||
      buf[versionStart + 6] !== 0x2e ||
      !isDigit(buf[versionStart + 7]!)
    ) {
      // A control byte in the line may end it early for the client but not here, so the version found is not what
      // the client meant: name the byte instead (a bare CR is named by onLine). Only on this refusal's path.
      for (let i = start; i < end; i++) {
        const c = buf[i]!;
        if (c < 0x20 || c === 0x7f) {
          return this.fail('INVALID_REQUEST_LINE', `request line has a control character (${printable(buf, i, i + 1)})`);
        }
      }
      return this.fail('INVALID_VERSION', `"${printable(buf, versionStart, end)}" is not an HTTP version`);
    }
    const major = buf[versionStart + 5]! - 0x30;
    const minor = buf[versionStart + 7]! - 0x30;
    if (major !== 1 || minor > 1) {
      return this.fail('UNSUPPORTED_VERSION', `HTTP/${major}.${minor} is not supported; only HTTP/1.0 and HTTP/1.1 are`);
    }

    for (let i = targetStart; i < targetEnd; i++) {
      if (IS_TARGET[buf[i]!] === 0) return this.fail('INVALID_TARGET', 'request target has a space, control character or non-ASCII byte');
    }
    const method = commonMethod(buf, start, methodEnd) ?? buf.toString('latin1', start, methodEnd);
    const target = decodeLatin1(buf, targetStart, targetEnd);
    let pathAndQuery = target;
    let targetAuthority: string | null = null;
    if (buf[targetStart] !== SLASH || method === 'CONNECT') {
      const form = this.readOtherTargetForm(method, target);
      if (form === null) return;
      pathAndQuery = form.pathAndQuery;
      targetAuthority = form.authority;
    }

    this.startRequest();
    this.method = method;
    this.target = target;
    this.pathAndQuery = pathAndQuery;
    this.targetAuthority = targetAuthority;
    this.versionMinor = minor as 0 | 1;
    this.state = State.FieldLine;
  }

  /**
   * RFC 9112 §3.2: the forms other than origin-form, each only with the method that may use it; the target
   * is visible ASCII already. Null once it has failed.
   */
  private readOtherTargetForm(method: string, target: string): { pathAndQuery: string; authority: string | null } | null {
    if (method === 'CONNECT') {
      // §3.2.3 authority-form: uri-host ":" port, and nothing else.
      const problem = authorityProblem(target, 0, target.length, true);
      if (problem !== null) {
        this.fail('INVALID_TARGET', `CONNECT needs an authority-form target (host:port); this one ${problem}`);
        return null;
      }
      return { pathAndQuery: target, authority: null };
    }
    if (target === '*') {
      // §3.2.4 asterisk-form: the server as a whole, only for OPTIONS.
      if (method === 'OPTIONS') return { pathAndQuery: target, authority: null };
      this.fail('INVALID_TARGET', 'the asterisk-form target is only for OPTIONS');
      return null;
    }
    // §3.2.2 absolute-form: absolute-URI, scheme ":" hier-part (RFC 3986 §3, §4.3).
    const colon = schemeEnd(target);
    if (colon === -1 || colon === target.length - 1) {
      this.fail('INVALID_TARGET', 'request target must start with "/" or be an absolute URI');
      return null;
    }
    const scheme = target.slice(0, colon).toLowerCase();
    if (scheme !== 'http') {
      // An https target asks for an answer authoritative over TLS, which this plain-TCP server cannot give.
      this.fail('UNSUPPORTED_SCHEME', `this server answers http: targets only, not ${shorten(scheme)}:`);
      return null;
    }
    // RFC 9110 §4.2.1: http-URI = "http" "://" authority path-abempty [ "?" query ]
    if (!target.startsWith('//', colon + 1)) {
      this.fail('INVALID_TARGET', 'an http target needs "//" and an authority after its scheme');
      return null;
    }
    const authorityStart = colon + 3;
    let authorityEnd = authorityStart;
    while (authorityEnd < target.length && target.charCodeAt(authorityEnd) !== SLASH && target.charCodeAt(authorityEnd) !== QUESTION) {
      authorityEnd++;
    }
    const problem = authorityProblem(target, authorityStart, authorityEnd, false);
    if (problem !== null) {
      this.fail('INVALID_TARGET', `absolute-form target ${problem}`);
      return null;
    }
    const rest = target.slice(authorityEnd);
    return {
      pathAndQuery: rest === '' || rest.charCodeAt(0) === QUESTION ? `/${rest}` : rest,
      authority: target.slice(authorityStart, authorityEnd),
    };
  }

  private startRequest(): void {
    this.headerBytes = 0;
    this.host = null;
    this.userAgent = null;
    this.hasCloseToken = false;
    this.isContinueAwaited = false;
    this.contentLengthDigits = null;
    this.transferEncoding = null;
    this.bodyBytes = 0;
    this.bodyRemaining = 0;
    this.chunkFramingBytes = 0;
    this.trailerBytes = 0;
    this.trailerCount = 0;
  }

  // ── fields (RFC 9112 §5, RFC 9110 §5) ──────────────────────────────────────

  private onFieldLine(buf: Buffer, start: number, end: number, isTrailer: boolean): void {
    const first = buf[start]!;
    if (first === SP || first === HTAB) return this.fail('OBS_FOLD');
    let colon = start;
    let hasUppercase = false;
    while (colon < end) {
      const c = buf[colon]!;
      if (IS_TCHAR[c] === 0) break;
      if (c >= 0x41 && c <= 0x5a) hasUppercase = true;
      colon++;
    }
    if (colon === end) return this.fail('MISSING_COLON', `header line "${printable(buf, start, end)}" has no colon`);
    if (buf[colon] !== COLON || colon === start) {
      let nameEnd = colon;
      while (nameEnd < end && buf[nameEnd] !== COLON) nameEnd++;
      if (nameEnd === end) return this.fail('MISSING_COLON', `header line "${printable(buf, start, end)}" has no colon`);
      return this.fail('INVALID_HEADER_NAME', `header name "${printable(buf, start, nameEnd)}" is not a token`);
    }
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && (buf[valueStart] === SP || buf[valueStart] === HTAB)) valueStart++;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
    for (let i = valueStart; i < valueEnd; i++) {
      if (IS_FIELD_VALUE[buf[i]!] === 0) {
        return this.fail('INVALID_HEADER_VALUE', `header "${buf.toString('latin1', start, colon)}" has a control character in its value`);
      }
    }
    if (isTrailer) return; // validated and bounded, then dropped: nothing downstream reads trailers

    let name = commonFieldName(buf, start, colon);
    if (name === null) {
      const rawName = decodeLatin1(buf, start, colon);
      name = hasUppercase ? rawName.toLowerCase() : rawName;
    }
    const value = this.fieldValue(buf, valueStart, valueEnd);
    this.headers.push([name, value]);
    switch (name) {
      case 'host':
        if (this.host !== null) return this.fail('MULTIPLE_HOST');
        // A keep-alive client sends the same Host every time: checked once, not per request.
        if (value !== this.lastValidHost) {
          if (!HOST_VALUE.test(value)) return this.fail('INVALID_HOST', `Host "${shorten(value)}" is not a host with an optional port`);
          this.lastValidHost = value;
        }
        this.host = value;
        return;
      case 'user-agent':
        this.userAgent ??= value;
        return;
      case 'connection':
        if (!this.hasCloseToken && hasToken(value, 'close')) this.hasCloseToken = true;
        return;
      case 'content-length':
        return this.onContentLength(value);
      case 'transfer-encoding':
        this.transferEncoding = this.transferEncoding === null ? value : `${this.transferEncoding},${value}`;
        return;
      case 'expect':
        // HTTP/1.0 clients never wait for a 100 (RFC 9110 §10.1.1: a server must not send one to them).
        if (this.versionMinor === 1 && value.toLowerCase() === '100-continue') this.isContinueAwaited = true;
        return;
    }
  }

  /**
   * A field value's string. A keep-alive client sends the same short values (Host, Accept…) at the same positions
   * in every request, so the last request's string at this position is reused when its bytes are the same, instead
   * of another copy decoded through a native call.
   */
  private fieldValue(buf: Buffer, start: number, end: number): string {
    const index = this.headers.length;
    if (index >= RECENT_VALUE_COUNT || end - start > RECENT_VALUE_BYTES) return decodeLatin1(buf, start, end);
    const recent = this.recentValues[index];
    if (recent !== undefined && spellsLatin1(buf, start, end, recent)) return recent;
    const value = decodeLatin1(buf, start, end);
    this.recentValues[index] = value;
    return value;
  }

  /** RFC 9110 §8.6: 1*DIGIT; a list of identical values, or repeated identical fields, is accepted as that one value. */
  private onContentLength(value: string): void {
    for (const element of value.split(',')) {
      const digits = trimOws(element);
      if (!/^[0-9]+$/.test(digits)) return this.fail('INVALID_CONTENT_LENGTH', `Content-Length "${shorten(value)}" is not a whole number`);
      const normalised = digits.replace(/^0+(?=.)/, '');
      if (this.contentLengthDigits === null) this.contentLengthDigits = normalised;
      else if (this.contentLengthDigits !== normalised)
        return this.fail('CONFLICTING_CONTENT_LENGTH', 'Content-Length is given twice with different values');
    }
  }

  /** Decides the body's framing (RFC 9112 §6.3) now, so an oversized body is refused before any of it is read. */
  private onHeaderSectionEnd(): void {
    if (this.versionMinor === 1 && this.host === null) return this.fail('MISSING_HOST');
    if (this.targetAuthority !== null) this.host = this.targetAuthority;
    const transferEncoding = this.transferEncoding;
    if (transferEncoding !== null) {
      if (this.contentLengthDigits !== null) return this.fail('TRANSFER_ENCODING_WITH_CONTENT_LENGTH');
      if (this.versionMinor === 0) return this.fail('TRANSFER_ENCODING_IN_HTTP_1_0');
      const codings = transferEncoding
        .split(',')
        .map((coding) => trimOws(coding).toLowerCase())
        .filter((coding) => coding !== '');
      if (codings[codings.length - 1] !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) {
        return this.fail('CHUNKED_NOT_FINAL', `Transfer-Encoding "${shorten(transferEncoding)}" does not end with chunked, applied once`);
      }
      if (codings.length > 1) {
        return this.fail(
          'UNSUPPORTED_TRANSFER_ENCODING',
          `transfer coding "${shorten(codings[0] ?? '')}" is not supported; only chunked is`,
        );
      }
      this.bodyCapacityLimit = this.limits.maxBodyBytes;
      this.state = State.ChunkSizeLine;
      return;
    }
    const digits = this.contentLengthDigits;
    if (digits === null || digits === '0') return this.completeRequest();
    const contentLength = digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits);
    if (contentLength > this.limits.maxBodyBytes) {
      return this.fail('BODY_TOO_LARGE', `body of ${shorten(digits)} bytes is larger than ${this.limits.maxBodyBytes} bytes`);
    }
    this.bodyRemaining = contentLength;
    this.bodyCapacityLimit = contentLength;
    this.state = State.BodyIdentity;
  }

  // ── body (RFC 9112 §6, §7.1) ───────────────────────────────────────────────

  private consumeBody(chunk: Buffer, pos: number, end: number): number {
    const take = Math.min(this.bodyRemaining, end - pos);
    this.appendToBody(chunk, pos, pos + take);
    this.bodyRemaining -= take;
    if (this.bodyRemaining === 0) {
      if (this.state === State.BodyIdentity) this.completeRequest();
      else this.state = State.ChunkDataCr;
    }
    return pos + take;
  }

  /** Copied, never referenced: the caller may reuse its buffer, and a body must not pin a large read buffer. */
  private appendToBody(chunk: Buffer, start: number, end: number): void {
    const bodyBytes = this.bodyBytes;
    const needed = bodyBytes + (end - start);
    if (needed > this.body.length) {
      const capacity = Math.min(this.bodyCapacityLimit, Math.max(needed, this.body.length * 2, MIN_BODY_CAPACITY_BYTES));
      const grown = Buffer.allocUnsafe(capacity);
      this.body.copy(grown, 0, 0, bodyBytes);
      this.body = grown;
    }
    const body = this.body;
    if (end - start < SHORT_COPY_BYTES) for (let i = start, at = bodyBytes; i < end; i++, at++) body[at] = chunk[i]!;
    else chunk.copy(body, bodyBytes, start, end);
    this.bodyBytes = needed;
  }

  /** chunk-size [ chunk-ext ] (RFC 9112 §7.1, §7.1.1). */
  private onChunkSizeLine(buf: Buffer, start: number, end: number): void {
    let i = start;
    let size = 0;
    while (i < end && HEX_VALUE[buf[i]!]! >= 0) {
      // Past the body limit the exact size no longer matters, and stopping keeps it a safe integer.
      if (size <= this.limits.maxBodyBytes) size = size * 16 + HEX_VALUE[buf[i]!]!;
      i++;
    }
    if (i === start) return this.fail('INVALID_CHUNK', 'chunk size is not a hexadecimal number');
    if (size > this.limits.maxBodyBytes - this.bodyBytes) {
      return this.fail('BODY_TOO_LARGE', `chunked body is larger than ${this.limits.maxBodyBytes} bytes`);
    }
    if (i !== end && !isValidChunkExtensions(buf, i, end)) return this.fail('INVALID_CHUNK', 'chunk extension is malformed');
    this.chunkFramingBytes += end - start + 2;
    if (this.chunkFramingBytes - this.bodyBytes > this.limits.maxChunkFramingExcessBytes) {
      return this.fail(
        'CHUNKED_FRAMING_TOO_LARGE',
        `chunked framing outweighs the data by more than ${this.limits.maxChunkFramingExcessBytes} bytes (${this.bodyBytes} data bytes so far)`,
      );
    }
    if (size === 0) {
      this.state = State.TrailerLine;
      return;
    }
    this.bodyRemaining = size;
    this.state = State.ChunkData;
  }

  private completeRequest(): void {
    const bodyBytes = this.bodyBytes;
    const body = bodyBytes === 0 ? EMPTY_BODY : bodyBytes === this.body.length ? this.body : this.body.subarray(0, bodyBytes);
    this.completed.push({
      method: this.method,
      target: this.target,
      pathAndQuery: this.pathAndQuery,
      versionMinor: this.versionMinor,
      headers: this.headers,
      userAgent: this.userAgent,
      host: this.host,
      body,
      keepAlive: this.versionMinor === 1 && !this.hasCloseToken && this.method !== 'CONNECT',
    });
    this.headers = [];
    this.body = EMPTY_BODY;
    this.state = State.RequestLine;
  }

  private fail(code: HttpParseErrorCode, message?: string): void {
    this.error = httpParseError(code, message);
    this.state = State.Dead;
    this.carry = EMPTY_BODY;
    this.carryLength = 0;
    this.body = EMPTY_BODY;
  }
}

/** The refusal of a bare CR in the line a line-reading state reads, named as a person calls that line. */
function bareCrMessageOf(state: State): string {
  const line =
    state === State.RequestLine
      ? 'request line'
      : state === State.FieldLine
        ? 'header line'
        : state === State.TrailerLine
          ? 'trailer line'
          : 'chunk size line';
  return `${line} has a bare CR (a CR not followed by LF)`;
}

/**
 * Where the next LF is in `buf[from, end)`, or -1. A chunk-size line is a few bytes, and a call into C++ for it
 * would cost more than the line.
 */
function indexOfLf(buf: Buffer, from: number, end: number): number {
  const scanEnd = Math.min(end, from + SHORT_LINE_SCAN_BYTES);
  for (let i = from; i < scanEnd; i++) if (buf[i] === LF) return i;
  return scanEnd < end ? buf.indexOf(LF, scanEnd) : -1;
}

/** Where the first CR is in `buf[from, end)`, or -1: searched only on a line's way to failing, or unfinished. */
function indexOfCr(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === CR) return i;
  return -1;
}

/** Short strings are cheaper to build in JS than through Buffer#toString's native call. */
function decodeLatin1(buf: Buffer, start: number, end: number): string {
  if (end - start > 8) return buf.toString('latin1', start, end);
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]!);
  return text;
}

/** Do `buf[start, end)` decoded as latin1 make `text`? */
function spellsLatin1(buf: Buffer, start: number, end: number, text: string): boolean {
  if (text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

function commonFieldName(buf: Buffer, start: number, end: number): string | null {
  const candidates = COMMON_FIELD_NAMES_BY_LENGTH[end - start];
  if (candidates === undefined) return null;
  for (const candidate of candidates) {
    const bytes = candidate.bytes;
    let i = 0;
    for (; i < bytes.length; i++) {
      const c = buf[start + i]!;
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== bytes[i]) break;
    }
    if (i === bytes.length) return candidate.name;
  }
  return null;
}

function commonMethod(buf: Buffer, start: number, end: number): string | null {
  for (const candidate of COMMON_METHODS) {
    const bytes = candidate.bytes;
    if (bytes.length !== end - start) continue;
    let i = 0;
    while (i < bytes.length && buf[start + i] === bytes[i]) i++;
    if (i === bytes.length) return candidate.name;
  }
  return null;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Where an absolute-URI's scheme ends (the index of its ":"), or -1 when the text does not start with one (RFC 3986 §3.1). */
function schemeEnd(target: string): number {
  const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (!isAlpha(target.charCodeAt(0))) return -1;
  for (let i = 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === COLON) return i;
    if (!(isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e)) return -1;
  }
  return -1;
}

/**
 * RFC 3986 §3.2 authority, host [ ":" port ], in `text[start, end)`: why it is refused, or null. Userinfo is
 * refused (RFC 9110 §4.2.4: a recipient should treat it as an error), as is an empty host (§4.2.1).
 */
function authorityProblem(text: string, start: number, end: number, needsPort: boolean): string | null {
  let hostEnd = start;
  if (text.charCodeAt(start) === 0x5b) {
    // IP-literal: "[" IPv6address "]"; IPvFuture is not accepted.
    const close = text.indexOf(']', start);
    if (close === -1 || close >= end) return 'has an IPv6 address without its "]"';
    if (!isIPv6(text.slice(start + 1, close)))
      return `has "${shorten(text.slice(start + 1, close))}" in brackets, which is not an IPv6 address`;
    hostEnd = close + 1;
  } else {
    while (hostEnd < end && text.charCodeAt(hostEnd) !== COLON) {
      const c = text.charCodeAt(hostEnd);
      if (c === 0x40) return 'has userinfo ("@"), which is not accepted';
      if (c === 0x25) {
        if (hostEnd + 2 >= end || HEX_VALUE[text.charCodeAt(hostEnd + 1)]! < 0 || HEX_VALUE[text.charCodeAt(hostEnd + 2)]! < 0) {
          return 'has a "%" that is not followed by two hex digits';
        }
        hostEnd += 3;
        continue;
      }
      if (IS_REG_NAME[c] === 0) return `has "${text[hostEnd]}" in its host`;
      hostEnd++;
    }
    if (hostEnd === start) return 'has an empty host';
  }
  if (hostEnd === end) return needsPort ? 'has no port' : null;
  if (text.charCodeAt(hostEnd) !== COLON) return `has "${text[hostEnd]}" after its host`;
  if (needsPort && hostEnd + 1 === end) return 'has no port';
  for (let i = hostEnd + 1; i < end; i++) if (!isDigit(text.charCodeAt(i))) return 'has a port that is not a number';
  return null;
}

/** *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ) up to `end`. */
function isValidChunkExtensions(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  const skipWhitespace = () => {
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  };
  const skipToken = (): boolean => {
    const tokenStart = i;
    while (i < end && IS_TCHAR[buf[i]!] === 1) i++;
    return i > tokenStart;
  };
  while (true) {
    if (i === end) return true;
    skipWhitespace(); // BWS is allowed before a ";", not at the end of the line
    if (i === end || buf[i] !== SEMICOLON) return false;
    i++;
    skipWhitespace();
    if (!skipToken()) return false;
    const afterName = i;
    skipWhitespace();
    if (i < end && buf[i] === EQUALS) {
      i++;
      skipWhitespace();
      if (i < end && buf[i] === DQUOTE) {
        i++;
        while (true) {
          if (i >= end) return false;
          const c = buf[i]!;
          if (c === DQUOTE) {
            i++;
            break;
          }
          if (c === BACKSLASH) {
            if (i + 1 >= end || IS_FIELD_VALUE[buf[i + 1]!] === 0) return false;
            i += 2;
          } else if (IS_QDTEXT[c] === 1) i++;
          else return false;
        }
      } else if (!skipToken()) return false;
    } else {
      i = afterName;
    }
  }
}

/** Whether a comma-separated header value lists `token` (lowercase), case-insensitively (RFC 9110 §5.6.1). */
function hasToken(value: string, token: string): boolean {
  const elements = value.split(',');
  for (const element of elements) if (trimOws(element).toLowerCase() === token) return true;
  return false;
}

/** Strips SP and HTAB only: String.prototype.trim would also strip obs-text such as U+00A0. */
function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === SP || text.charCodeAt(start) === HTAB)) start++;
  while (end > start && (text.charCodeAt(end - 1) === SP || text.charCodeAt(end - 1) === HTAB)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** A header value for an error message: long values cut. */
function shorten(text: string): string {
  return text.length > MESSAGE_EXCERPT_CHARS ? `${text.slice(0, MESSAGE_EXCERPT_CHARS)}…` : text;
}

/** Bytes for an error message: visible ASCII kept, anything else escaped, and long values cut. */
function printable(buf: Buffer, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end && i < start + MESSAGE_EXCERPT_CHARS; i++) {
    const c = buf[i]!;
    text += c >= 0x20 && c < 0x7f && c !== DQUOTE && c !== BACKSLASH ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return end - start > MESSAGE_EXCERPT_CHARS ? `${text}…` : text;
}
