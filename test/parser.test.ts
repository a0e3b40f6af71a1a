// The strict HTTP/1.1 request parser: every fixture whole, split at every byte boundary and byte by byte;
// the limits at their default sizes; early refusal of endless lines; random requests and random bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HttpParseError, PARSE_ERRORS } from '../src/server/http/parse-errors';
import {
  DEFAULT_PARSER_LIMITS,
  HttpRequestParser,
  MAX_BODY_BYTES,
  MAX_CHUNK_FRAMING_EXCESS_BYTES,
  MAX_HEADER_BYTES,
  MAX_HEADER_COUNT,
  MAX_REQUEST_LINE_BYTES,
  type ParsedRequest,
  type ParserLimits,
} from '../src/server/http/parser';
import { ERROR_FIXTURES, type ExpectedRequest, LIMIT_FIXTURES, type ParserFixture, VALID_FIXTURES } from './fixtures/parser-fixtures';

/** A request as a test compares it: the body as latin1 text, the version as written on the wire. */
interface SeenRequest {
  method: string;
  target: string;
  pathAndQuery: string;
  version: '1.0' | '1.1';
  headers: Array<[string, string]>;
  body: string;
  keepAlive: boolean;
  host: string | null;
  userAgent: string | null;
}

interface Outcome {
  requests: SeenRequest[];
  error: { code: string; status: number } | null;
}

function seen(request: ParsedRequest): SeenRequest {
  expect(Buffer.isBuffer(request.body)).toBe(true);
  return {
    method: request.method,
    target: request.target,
    pathAndQuery: request.pathAndQuery,
    version: request.versionMinor === 1 ? '1.1' : '1.0',
    headers: request.headers,
    body: request.body.toString('latin1'),
    keepAlive: request.keepAlive,
    host: request.host,
    userAgent: request.userAgent,
  };
}

function fromFixture(request: ExpectedRequest): SeenRequest {
  const firstValue = (name: string) => request.headers.find(([headerName]) => headerName === name)?.[1] ?? null;
  return {
    method: request.method,
    target: request.target,
    pathAndQuery: request.pathAndQuery ?? request.target,
    version: request.version,
    headers: request.headers,
    body: request.body ?? '',
    keepAlive: request.keepAlive,
    host: request.host ?? firstValue('host'),
    userAgent: firstValue('user-agent'),
  };
}

function expectedOutcome(fixture: ParserFixture): Outcome {
  return { requests: (fixture.requests ?? []).map(fromFixture), error: fixture.error ?? null };
}

function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * Feeds `raw` cut at the sorted offsets `cuts` to a fresh parser, checking on the way that an error is final.
 * With `requestsPerCall`, each piece is passed again from where the parser stopped until it is used up, as a
 * connection does that may take only so many requests at a time.
 */
function parseInPieces(raw: Buffer, cuts: readonly number[], limits?: Partial<ParserLimits>, requestsPerCall?: number): Outcome {
  const parser = new HttpRequestParser(limits);
  const requests: SeenRequest[] = [];
  let error: HttpParseError | null = null;
  let start = 0;
  for (const end of [...cuts, raw.length]) {
    const piece = raw.subarray(start, end);
    start = end;
    let offset = 0;
    do {
      const result = parser.execute(piece, offset, requestsPerCall);
      if (error !== null) {
        expect(result.error).toEqual(error);
        expect(result.requests).toEqual([]);
        break;
      }
      if (requestsPerCall !== undefined) expect(result.requests.length).toBeLessThanOrEqual(requestsPerCall);
      // It stops early only once it has all the requests it may return, and always takes at least one byte.
      if (result.error === null && result.requests.length !== requestsPerCall) expect(result.end).toBe(piece.length);
      if (result.error === null && offset < piece.length) expect(result.end).toBeGreaterThan(offset);
      requests.push(...result.requests.map(seen));
      error = result.error;
      offset = result.end;
    } while (error === null && offset < piece.length);
  }
  if (error !== null) {
    expect(error.status).toBe(PARSE_ERRORS[error.code].status);
    expect(error.message.length).toBeGreaterThan(0);
    expect(parser.hasPartialRequest).toBe(false);
  }
  return { requests, error: error === null ? null : { code: error.code, status: error.status } };
}

function everyByte(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
}

function everyN(length: number, step: number): number[] {
  const cuts: number[] = [];
  for (let at = step; at < length; at += step) cuts.push(at);
  return cuts;
}

function checkFixture(fixture: ParserFixture): void {
  const raw = latin1(fixture.raw);
  const want = expectedOutcome(fixture);
  expect(parseInPieces(raw, [], fixture.limits), 'in one chunk').toEqual(want);
  for (let at = 1; at < raw.length; at++) {
    expect(parseInPieces(raw, [at], fixture.limits), `split at byte ${at}`).toEqual(want);
  }
  expect(parseInPieces(raw, everyByte(raw.length), fixture.limits), 'byte by byte').toEqual(want);
  // Stopping after each request and going on from where the parser stopped changes nothing, however the bytes are cut.
  expect(parseInPieces(raw, [], fixture.limits, 1), 'one request per call').toEqual(want);
  for (let at = 1; at < raw.length; at++) {
    expect(parseInPieces(raw, [at], fixture.limits, 1), `one request per call, split at byte ${at}`).toEqual(want);
  }
}

describe('fixtures, each also split at every byte boundary and fed byte by byte', () => {
  describe('valid requests', () => {
    it.each(VALID_FIXTURES.map((fixture) => [fixture.why, fixture] as const))('%s', (_why, fixture) => checkFixture(fixture));
  });
  describe('limits', () => {
    it.each(LIMIT_FIXTURES.map((fixture) => [fixture.why, fixture] as const))('%s', (_why, fixture) => checkFixture(fixture));
  });
  describe('errors', () => {
    it.each(ERROR_FIXTURES.map((fixture) => [fixture.why, fixture] as const))('%s', (_why, fixture) => checkFixture(fixture));
  });

  it('cover every code in the error table at least once', () => {
    const covered = new Set([...VALID_FIXTURES, ...LIMIT_FIXTURES, ...ERROR_FIXTURES].map((fixture) => fixture.error?.code));
    expect(Object.keys(PARSE_ERRORS).filter((code) => !covered.has(code as never))).toEqual([]);
  });
});

describe('default limits', () => {
  const pieces = (raw: Buffer) => [[], everyN(raw.length, 1000), everyN(raw.length, 7)];

  it('are 8 KiB request line, 16 KiB header section, 100 fields, 1 MiB body and 16 KiB of chunk framing beyond the data', () => {
    expect(DEFAULT_PARSER_LIMITS).toEqual({
      maxRequestLineBytes: 8192,
      maxHeaderBytes: 16384,
      maxHeaderCount: 100,
      maxBodyBytes: 1048576,
      maxChunkFramingExcessBytes: 16384,
    });
    expect([MAX_REQUEST_LINE_BYTES, MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_BODY_BYTES, MAX_CHUNK_FRAMING_EXCESS_BYTES]).toEqual([
      8192, 16384, 100, 1048576, 16384,
    ]);
  });

  it('accept a request line of exactly 8192 bytes and answer 414 to 8193', () => {
    const path = (lineBytes: number) => `/${'a'.repeat(lineBytes - 'GET / HTTP/1.1'.length)}`;
    const atLimit = latin1(`GET ${path(8192)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const overLimit = latin1(`GET ${path(8193)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    for (const cuts of pieces(atLimit)) expect(parseInPieces(atLimit, cuts).requests.map((r) => r.target)).toEqual([path(8192)]);
    for (const cuts of pieces(overLimit))
      expect(parseInPieces(overLimit, cuts).error).toEqual({ code: 'REQUEST_LINE_TOO_LONG', status: 414 });
  });

  it('accept a header section of exactly 16384 bytes and answer 431 to 16385', () => {
    // 'Host: x\r\n' (9) + 'X-Pad: ' pad '\r\n' (9 + pad) + blank line (2)
    const section = (bytes: number) => `Host: x\r\nX-Pad: ${'p'.repeat(bytes - 20)}\r\n\r\n`;
    const atLimit = latin1(`GET / HTTP/1.1\r\n${section(16384)}`);
    const overLimit = latin1(`GET / HTTP/1.1\r\n${section(16385)}`);
    for (const cuts of pieces(atLimit)) expect(parseInPieces(atLimit, cuts).requests).toHaveLength(1);
    for (const cuts of pieces(overLimit)) expect(parseInPieces(overLimit, cuts).error).toEqual({ code: 'HEADERS_TOO_LARGE', status: 431 });
  });

  it('accept 100 header fields and answer 431 to 101', () => {
    const withFields = (count: number) => latin1(`GET / HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(count - 1)}\r\n`);
    expect(parseInPieces(withFields(100), []).requests[0]?.headers).toHaveLength(100);
    expect(parseInPieces(withFields(101), []).error).toEqual({ code: 'TOO_MANY_HEADERS', status: 431 });
  });

  it('accept a 1 MiB Content-Length body and answer 413 to one byte more before any body byte arrives', () => {
    const body = Buffer.alloc(MAX_BODY_BYTES, 0x61);
    const atLimit = Buffer.concat([latin1(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY_BYTES}\r\n\r\n`), body]);
    for (const cuts of [[], everyN(atLimit.length, 64 * 1024), everyN(atLimit.length, 1000)]) {
      const outcome = parseInPieces(atLimit, cuts);
      expect(outcome.error).toBeNull();
      expect(outcome.requests[0]?.body).toBe(body.toString('latin1'));
    }
    const parser = new HttpRequestParser();
    const { error } = parser.execute(latin1(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`));
    expect(error).toMatchObject({ code: 'BODY_TOO_LARGE', status: 413 });
  });

  it('accept 1 MiB of chunks and answer 413 to the chunk size line that would pass it', () => {
    const half = MAX_BODY_BYTES / 2;
    const head = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
    const atLimit = latin1(
      `${head}${half.toString(16)}\r\n${'a'.repeat(half)}\r\n${half.toString(16)}\r\n${'b'.repeat(half)}\r\n0\r\n\r\n`,
    );
    for (const cuts of [[], everyN(atLimit.length, 64 * 1024)]) {
      expect(parseInPieces(atLimit, cuts).requests[0]?.body).toBe('a'.repeat(half) + 'b'.repeat(half));
    }
    const parser = new HttpRequestParser();
    expect(parser.execute(latin1(`${head}${half.toString(16)}\r\n${'a'.repeat(half)}\r\n`)).error).toBeNull();
    expect(parser.execute(latin1(`${(half + 1).toString(16)}\r\n`)).error).toMatchObject({ code: 'BODY_TOO_LARGE', status: 413 });
  });

  it('accept one-byte chunks whose framing outweighs the data by exactly 16 KiB and answer 413 to one byte more', () => {
    // 4094 chunks of '1\r\n' 'a' '\r\n' are 4 framing bytes more than data each (16376); the last chunk '0' + extension + CRLF adds the rest.
    const body = (lastExtension: string) =>
      latin1(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\na\r\n'.repeat(4094)}0${lastExtension}\r\n\r\n`);
    const atLimit = body(';abcd');
    const overLimit = body(';abcde');
    for (const cuts of pieces(atLimit)) expect(parseInPieces(atLimit, cuts).requests[0]?.body).toBe('a'.repeat(4094));
    for (const cuts of pieces(overLimit))
      expect(parseInPieces(overLimit, cuts).error).toEqual({ code: 'CHUNKED_FRAMING_TOO_LARGE', status: 413 });
  });

  it('accept a body just under 1 MiB in 5-byte chunks: chunks that size never outweigh their framing', () => {
    const chunks = Math.floor((MAX_BODY_BYTES - 1) / 5);
    const raw = latin1(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'5\r\nhello\r\n'.repeat(chunks)}0\r\n\r\n`);
    const outcome = parseInPieces(raw, everyN(raw.length, 64 * 1024));
    expect(outcome.error).toBeNull();
    expect(outcome.requests[0]?.body.length).toBe(chunks * 5);
  });
});

describe('one-byte chunks (issue 8: a million of them took 160 MB per connection)', () => {
  /** The attack: a chunked body of `chunks` one-byte chunks, just under the body limit. */
  function oneByteChunks(chunks: number): Buffer {
    return latin1(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\na\r\n'.repeat(chunks)}0\r\n\r\n`);
  }

  it('are refused with 413 within the first 25 KB of the 6 MB the client would send', () => {
    const raw = oneByteChunks(MAX_BODY_BYTES - 1);
    const parser = new HttpRequestParser();
    let fedBytes = 0;
    let error: HttpParseError | null = null;
    while (error === null && fedBytes < raw.length) {
      error = parser.execute(raw.subarray(fedBytes, fedBytes + 1024)).error;
      fedBytes += 1024;
    }
    expect(error).toMatchObject({ code: 'CHUNKED_FRAMING_TOO_LARGE', status: 413 });
    expect(fedBytes).toBeLessThanOrEqual(25 * 1024);
  });

  it('keep a body in one buffer no larger than the body limit, even with the framing rule lifted', () => {
    const parser = new HttpRequestParser({ maxChunkFramingExcessBytes: 8 * MAX_BODY_BYTES });
    const raw = oneByteChunks(MAX_BODY_BYTES);
    const heapBefore = process.memoryUsage().heapUsed;
    let heapGrowth = 0;
    const requests: ParsedRequest[] = [];
    for (let at = 0; at < raw.length; at += 64 * 1024) {
      const result = parser.execute(raw.subarray(at, at + 64 * 1024));
      expect(result.error).toBeNull();
      requests.push(...result.requests);
      heapGrowth = Math.max(heapGrowth, process.memoryUsage().heapUsed - heapBefore);
    }
    expect(requests).toHaveLength(1);
    const body = requests[0]!.body;
    expect(body.length).toBe(MAX_BODY_BYTES);
    expect(body.buffer.byteLength).toBeLessThanOrEqual(MAX_BODY_BYTES);
    // One object per chunk was the fault: a million chunks then took over 100 MB of heap.
    expect(heapGrowth).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('endless input is refused once it passes a limit, not buffered', () => {
  /** Feeds `head` then `total` filler bytes in `chunkBytes` pieces; returns how many bytes were fed when the error came. */
  function bytesFedUntilError(
    head: string,
    filler: number,
    total: number,
    chunkBytes: number,
  ): { fedBytes: number; error: HttpParseError | null } {
    const parser = new HttpRequestParser();
    let fedBytes = head.length;
    let { error } = parser.execute(latin1(head));
    const chunk = Buffer.alloc(chunkBytes, filler);
    while (error === null && fedBytes < head.length + total) {
      error = parser.execute(chunk).error;
      fedBytes += chunkBytes;
    }
    return { fedBytes, error };
  }

  it.each([64 * 1024, 1000, 1])(
    'answers 414 to 1 MiB of request line without CRLF, fed in %i-byte chunks, within one chunk of the limit',
    (chunkBytes) => {
      const total = chunkBytes === 1 ? 16 * 1024 : 1024 * 1024;
      const { fedBytes, error } = bytesFedUntilError('GET /', 0x61, total, chunkBytes);
      expect(error).toMatchObject({ code: 'REQUEST_LINE_TOO_LONG', status: 414, message: 'request line is longer than 8192 bytes' });
      expect(fedBytes).toBeGreaterThan(MAX_REQUEST_LINE_BYTES);
      expect(fedBytes).toBeLessThanOrEqual(MAX_REQUEST_LINE_BYTES + 1 + chunkBytes);
    },
  );

  it.each([64 * 1024, 1000])(
    'answers 431 to 1 MiB of one header line without CRLF, fed in %i-byte chunks, within one chunk of the limit',
    (chunkBytes) => {
      const head = 'GET / HTTP/1.1\r\nX-Endless: ';
      const { fedBytes, error } = bytesFedUntilError(head, 0x65, 1024 * 1024, chunkBytes);
      expect(error).toMatchObject({ code: 'HEADERS_TOO_LARGE', status: 431 });
      expect(fedBytes - 'GET / HTTP/1.1\r\n'.length).toBeGreaterThan(MAX_HEADER_BYTES - 2);
      expect(fedBytes - 'GET / HTTP/1.1\r\n'.length).toBeLessThanOrEqual(MAX_HEADER_BYTES + chunkBytes);
    },
  );

  it('answers 431 to endless short header lines once the section passes 16 KiB', () => {
    const parser = new HttpRequestParser({ maxHeaderCount: 1_000_000 });
    parser.execute(latin1('GET / HTTP/1.1\r\nHost: x\r\n'));
    let fedBytes = 0;
    let result = parser.execute(latin1('X: 1\r\n'));
    while (result.error === null && fedBytes < 1024 * 1024) {
      fedBytes += 6;
      result = parser.execute(latin1('X: 1\r\n'));
    }
    expect(result.error).toMatchObject({ code: 'HEADERS_TOO_LARGE', status: 431 });
    expect(fedBytes).toBeLessThanOrEqual(MAX_HEADER_BYTES);
  });
});

describe('parser state', () => {
  it('checks each request’s Host, not only the first one a connection sends', () => {
    const parser = new HttpRequestParser();
    expect(parser.execute(latin1('GET / HTTP/1.1\r\nHost: a:7878\r\n\r\nGET / HTTP/1.1\r\nHost: a:7878\r\n\r\n')).requests).toHaveLength(2);
    expect(parser.execute(latin1('GET / HTTP/1.1\r\nHost: a b\r\n\r\n')).error?.code).toBe('INVALID_HOST');
  });

  it('waits for a 100 only for an HTTP/1.1 body announced with Expect: 100-continue and not begun', () => {
    const parser = new HttpRequestParser();
    parser.execute(latin1('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n'));
    expect(parser.awaitsContinue).toBe(true);
    parser.continueSent();
    expect(parser.awaitsContinue).toBe(false);
    parser.execute(latin1('abcd'));
    parser.execute(latin1('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nab'));
    expect(parser.awaitsContinue).toBe(false);
    parser.execute(latin1('cdPOST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'));
    expect(parser.awaitsContinue).toBe(false);
  });

  it('reports a partial request only once a request has begun, for the header timeout', () => {
    const parser = new HttpRequestParser();
    expect(parser.hasPartialRequest).toBe(false);
    parser.execute(latin1('\r\n\r'));
    expect(parser.hasPartialRequest).toBe(false);
    parser.execute(latin1('\nG'));
    expect(parser.hasPartialRequest).toBe(true);
    parser.execute(latin1('ET / HTTP/1.1\r\nHost: x\r\n'));
    expect(parser.hasPartialRequest).toBe(true);
    expect(parser.execute(latin1('Content-Length: 4\r\n\r\nab')).requests).toEqual([]);
    expect(parser.hasPartialRequest).toBe(true);
    const { requests } = parser.execute(latin1('cd'));
    expect(requests.map((r) => r.body.toString())).toEqual(['abcd']);
    expect(parser.hasPartialRequest).toBe(false);
  });

  it('stops right after the last request it may return and leaves the rest untouched, to be passed again', () => {
    const parser = new HttpRequestParser();
    const first = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    const second = 'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi';
    const chunk = latin1(`${first}${second}\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\nGET /d HTTP/1.1\r\n`);
    const two = parser.execute(chunk, 0, 2);
    expect(two.requests.map((r) => r.target)).toEqual(['/a', '/b']);
    expect(two.end).toBe(first.length + second.length);
    expect(parser.hasPartialRequest).toBe(false);
    // Asked for none, it reads nothing, not even the blank line before the next request.
    expect(parser.execute(chunk, two.end, 0)).toEqual({ requests: [], error: null, end: two.end });
    const rest = parser.execute(chunk, two.end);
    expect(rest.requests.map((r) => r.target)).toEqual(['/c']);
    expect(rest.end).toBe(chunk.length);
    expect(parser.hasPartialRequest).toBe(true);
  });

  it('gives each request of a keep-alive connection its own field values, however they change from one request to the next', () => {
    // The parser reuses the last request's short values by position when their bytes match: every near miss (a byte,
    // a length, a position, a value past the reuse's bounds) must still come back exactly as a fresh parser reads it.
    const value = fc.oneof(
      fc.constantFrom('127.0.0.1:7878', '127.0.0.1:7879', '127.0.0.2:7878', 'x', '', 'caf\xe9', 'a'.repeat(64), 'a'.repeat(65)),
      fc.stringMatching(/^[a-c]{0,3}$/),
    );
    const request = fc.array(fc.tuple(fc.constantFrom('host', 'accept', 'x-a', 'x-b'), value), { minLength: 0, maxLength: 10 });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 8 }), (fieldLists) => {
        const wire = fieldLists.map(
          (fields) => `GET / HTTP/1.1\r\nHost: h\r\n${fields.map(([name, v]) => `X-${name}: ${v}\r\n`).join('')}\r\n`,
        );
        const parser = new HttpRequestParser();
        for (const text of wire) {
          const { requests, error } = parser.execute(latin1(text));
          expect(error).toBeNull();
          expect(requests.map(seen)).toEqual(new HttpRequestParser().execute(latin1(text)).requests.map(seen));
        }
      }),
    );
  });

  it('is dead after an error: every later call returns the same error and no requests', () => {
    const parser = new HttpRequestParser();
    const first = parser.execute(latin1('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/9.9\r\n'));
    expect(first.requests).toHaveLength(1);
    expect(first.error).toMatchObject({ code: 'UNSUPPORTED_VERSION', status: 505 });
    for (let i = 0; i < 3; i++) {
      const later = parser.execute(latin1('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      expect(later.requests).toEqual([]);
      expect(later.error).toEqual(first.error);
    }
    expect(parser.hasPartialRequest).toBe(false);
  });

  it('gives each error a message a person can read, naming the limit', () => {
    const parser = new HttpRequestParser({ maxRequestLineBytes: 10 });
    expect(parser.execute(latin1('GET /abcdefgh HTTP/1.1\r\n')).error?.message).toBe('request line is longer than 10 bytes');
    expect(new HttpRequestParser().execute(latin1('get / HTTP/1.1\r\n')).error?.message).toBe('method "get" is not an uppercase token');
    // A bare CR where the client meant a line end: named, not mistaken for a version ("x" here).
    expect(new HttpRequestParser().execute(latin1('GET / HTTP/1.1\rHost: x\r\n\r\n')).error).toMatchObject({
      code: 'BARE_CR',
      message: 'request line has a bare CR (a CR not followed by LF)',
    });
    expect(new HttpRequestParser().execute(latin1('GET / HTTP/1.1\r\nHost: x\r\nX: 1\r\r')).error).toMatchObject({
      code: 'BARE_CR',
      message: 'header line has a bare CR (a CR not followed by LF)',
    });
    expect(new HttpRequestParser().execute(latin1('GET / HTTP/1.1\x00 x\r\n\r\n')).error?.message).toBe(
      'request line has a control character (\\x00)',
    );
  });

  it("does not keep a reference to the caller's buffer in a body", () => {
    const parser = new HttpRequestParser();
    const chunk = latin1('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    const { requests } = parser.execute(chunk);
    chunk.fill(0x7a);
    expect(requests[0]?.body.toString()).toBe('abc');
  });

  it('refuses limits that are not whole numbers of at least 0', () => {
    expect(() => new HttpRequestParser({ maxBodyBytes: -1 })).toThrow(RangeError);
    expect(() => new HttpRequestParser({ maxHeaderCount: 1.5 })).toThrow(RangeError);
  });
});

// ── properties ───────────────────────────────────────────────────────────────

const TOKEN_CHARS = [..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];
/** Fields whose meaning the generator controls itself. */
const FRAMING_FIELDS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);
const FIELD_VALUE_CHARS = [
  9,
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i),
  ...Array.from({ length: 0x80 }, (_, i) => 0x80 + i),
].map((c) => String.fromCharCode(c));
const TARGET_CHARS = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i));

function trimOws(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

const fieldArb = fc.record({
  name: fc
    .string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 })
    .filter((name) => !FRAMING_FIELDS.has(name.toLowerCase())),
  value: fc.string({ unit: fc.constantFrom(...FIELD_VALUE_CHARS), maxLength: 16 }),
  leadingOws: fc.constantFrom('', ' ', '\t', '  '),
});

const requestArb = fc
  .record({
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'M-SEARCH'),
    path: fc.string({ unit: fc.constantFrom(...TARGET_CHARS), maxLength: 24 }),
    authority: fc.option(fc.constantFrom('origin.test:8080', '127.0.0.1', '[::1]:7878', 'a%2Db.example:')),
    isHttp10: fc.boolean(),
    hasHost: fc.boolean(),
    fields: fc.array(fieldArb, { maxLength: 6 }),
    connection: fc.option(fc.constantFrom('close', 'keep-alive', 'Upgrade, close', 'KEEP-ALIVE', 'Close', 'closed')),
    body: fc.uint8Array({ maxLength: 80 }),
    framing: fc.constantFrom('content-length', 'chunked', 'none'),
    chunkBytes: fc.integer({ min: 1, max: 32 }),
    hasChunkExtensions: fc.boolean(),
  })
  .map((r) => {
    const version = r.isHttp10 ? '1.0' : '1.1';
    // HTTP/1.0 has no chunked coding; a request with a body needs some framing.
    const framing =
      r.isHttp10 && r.framing === 'chunked' ? 'content-length' : r.body.length > 0 && r.framing === 'none' ? 'content-length' : r.framing;
    const headers: Array<[string, string]> = [];
    // An absolute-form target names its own authority, which replaces Host (RFC 9112 §3.2.2).
    const target = r.authority === null ? `/${r.path}` : `http://${r.authority}/${r.path}`;
    let head = `${r.method} ${target} HTTP/${version}\r\n`;
    const add = (name: string, value: string, ows = ' ') => {
      head += `${name}:${ows}${value}\r\n`;
      headers.push([name.toLowerCase(), trimOws(value)]);
    };
    if (!r.isHttp10 || r.hasHost) add('Host', 'example.test:7878');
    for (const field of r.fields) add(field.name, field.value, field.leadingOws);
    if (r.connection !== null) add('Connection', r.connection);
    let body = Buffer.alloc(0);
    if (framing === 'content-length') {
      add('Content-Length', String(r.body.length));
      body = Buffer.from(r.body);
    } else if (framing === 'chunked') {
      add('Transfer-Encoding', 'chunked');
      const parts: Buffer[] = [];
      for (let at = 0; at < r.body.length; at += r.chunkBytes) {
        const data = r.body.subarray(at, at + r.chunkBytes);
        parts.push(latin1(`${data.length.toString(16)}${r.hasChunkExtensions ? ';n="v"' : ''}\r\n`), Buffer.from(data), latin1('\r\n'));
      }
      parts.push(latin1('0\r\n\r\n'));
      body = Buffer.concat(parts);
    }
    const raw = Buffer.concat([latin1(`${head}\r\n`), body]);
    const keepAlive = !r.isHttp10 && !(r.connection ?? '').split(',').some((token) => token.trim().toLowerCase() === 'close');
    const expected: SeenRequest = {
      method: r.method,
      target,
      pathAndQuery: `/${r.path}`,
      version,
      headers,
      body: Buffer.from(r.body).toString('latin1'),
      keepAlive,
      host: r.authority ?? (!r.isHttp10 || r.hasHost ? 'example.test:7878' : null),
      userAgent: headers.find(([name]) => name === 'user-agent')?.[1] ?? null,
    };
    return { raw, expected };
  });

function cutsArb(): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 });
}

function toCuts(fractions: number[], length: number): number[] {
  const cuts = new Set(fractions.map((f) => Math.floor(f * length)).filter((at) => at > 0 && at < length));
  return [...cuts].sort((a, b) => a - b);
}

describe('properties', () => {
  it('parses any serialised run of valid requests back to what was sent, however the bytes are split', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 4 }), cutsArb(), (requests, fractions) => {
        const raw = Buffer.concat(requests.map((r) => r.raw));
        const outcome = parseInPieces(raw, toCuts(fractions, raw.length));
        expect(outcome).toEqual({ requests: requests.map((r) => r.expected), error: null });
      }),
      { numRuns: 500 },
    );
  });

  const FRAGMENTS = [
    'GET ',
    'POST ',
    'get ',
    '/',
    '*',
    'http://a',
    ' HTTP/1.1',
    ' HTTP/1.0',
    ' HTTP/2.0',
    '\r\n',
    '\r\n\r\n',
    '\r',
    '\n',
    ' ',
    '\t',
    'Host: x',
    'Content-Length: ',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip',
    'Connection: close',
    '0',
    '3',
    'a',
    'ff',
    ':',
    ';',
    '=',
    '"',
    '\\',
    ',',
    '\x00',
    '\x7f',
    '\xff',
  ].map(latin1);
  const noisyBytesArb = fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)) },
      ),
      { maxLength: 60 },
    )
    .map((parts) => Buffer.concat(parts));
  const limitsArb = fc.option(
    fc.record({
      maxRequestLineBytes: fc.integer({ min: 0, max: 40 }),
      maxHeaderBytes: fc.integer({ min: 0, max: 80 }),
      maxHeaderCount: fc.integer({ min: 0, max: 4 }),
      maxBodyBytes: fc.integer({ min: 0, max: 20 }),
    }),
    { nil: undefined },
  );

  it('never throws on arbitrary bytes, and gives the same answer however they are split and however few requests it may return at once', () => {
    fc.assert(
      fc.property(noisyBytesArb, cutsArb(), limitsArb, fc.integer({ min: 1, max: 3 }), (raw, fractions, limits, requestsPerCall) => {
        const whole = parseInPieces(raw, [], limits);
        expect(parseInPieces(raw, toCuts(fractions, raw.length), limits)).toEqual(whole);
        expect(parseInPieces(raw, everyByte(raw.length), limits)).toEqual(whole);
        expect(parseInPieces(raw, toCuts(fractions, raw.length), limits, requestsPerCall)).toEqual(whole);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on uniformly random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cutsArb(), (bytes, fractions) => {
        const raw = Buffer.from(bytes);
        expect(parseInPieces(raw, toCuts(fractions, raw.length))).toEqual(parseInPieces(raw, []));
      }),
      { numRuns: 1000 },
    );
  });
});
