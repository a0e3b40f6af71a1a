// The bytes and the client-side bookkeeping of the attacks in issue 8, shared by the regression tests and
// the benchmarks (bench:chunked, the soak): pipelined floods, one-byte-chunk bodies, and a counter that
// frames a stream of responses as it arrives, so a client can read tens of thousands of answers cheaply.

/** `request` repeated `count` times in one buffer: one write sends them all, pipelined. */
export function pipelined(request: string, count: number): Buffer {
  const one = Buffer.from(request, 'latin1');
  const all = Buffer.allocUnsafe(one.length * count);
  for (let at = 0; at < all.length; at += one.length) one.copy(all, at);
  return all;
}

/** A chunked `POST /` whose body is `chunks` chunks of `chunkBytes` bytes each, then the last chunk. */
export function tinyChunkedRequest(chunks: number, chunkBytes = 1, host = '127.0.0.1'): Buffer {
  const head = Buffer.from(`POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n`, 'latin1');
  const chunk = `${chunkBytes.toString(16)}\r\n${'a'.repeat(chunkBytes)}\r\n`;
  return Buffer.concat([head, pipelined(chunk, chunks), Buffer.from('0\r\n\r\n', 'latin1')]);
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

/**
 * Frames responses (status line, header section, Content-Length body) as their bytes arrive, however they
 * are cut, and counts them by status. Not strict: test/support/strict-responses.ts checks framing; this
 * only keeps count, for clients that read thousands of answers.
 */
export class ResponseCounter {
  count = 0;
  readonly statuses = new Map<number, number>();
  private pending: Buffer = Buffer.alloc(0);
  /** Set when a response could not be framed; the counter stops there. */
  problem: string | null = null;

  /** Takes the next bytes; returns how many responses they completed. */
  push(bytes: Buffer): number {
    if (this.problem !== null) return 0;
    let buffer = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    let completed = 0;
    for (;;) {
      const headEnd = buffer.indexOf(HEAD_END);
      if (headEnd === -1) break;
      const head = buffer.toString('latin1', 0, headEnd);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(head);
      const length = CONTENT_LENGTH.exec(head);
      if (status === null || length === null) {
        this.problem = `not a response: ${JSON.stringify(head.slice(0, 80))}`;
        break;
      }
      const end = headEnd + HEAD_END.length + Number(length[1]);
      if (buffer.length < end) break;
      const code = Number(status[1]);
      this.statuses.set(code, (this.statuses.get(code) ?? 0) + 1);
      this.count++;
      completed++;
      buffer = buffer.subarray(end);
    }
    this.pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
    return completed;
  }

  /** How many responses had this status. */
  of(status: number): number {
    return this.statuses.get(status) ?? 0;
  }
}
