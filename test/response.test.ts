// Serialising responses: each answer's head says exactly what its parts say, also when the server repeats the
// last head it built (it keeps one) and when one part changes between two answers.
import { describe, expect, it, vi } from 'vitest';
import { type ResponseParts, serializeResponse } from '../src/server/http/response';

const page = (status: number, body: string, contentType = 'text/html; charset=utf-8'): ResponseParts => ({
  status,
  contentType,
  body: Buffer.from(body, 'utf8'),
});

function split(bytes: Buffer): { head: string[]; body: string } {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return { head: text.slice(0, end).split('\r\n'), body: Buffer.from(text.slice(end + 4), 'latin1').toString('utf8') };
}

describe('serializeResponse', () => {
  it('gives every answer the head of its own parts when they change from one answer to the next', () => {
    const answers: Array<[ResponseParts, boolean, boolean]> = [
      [page(200, '<h1>Hello</h1>'), false, true],
      [page(200, '<h1>Hello</h1>'), false, true],
      [page(200, '<h1>Hello</h1>'), false, false],
      [page(200, '<h1>Hellö</h1>'), false, true],
      [page(404, '<h1>Hello</h1>'), false, true],
      [page(200, '<h1>Hello</h1>', 'text/plain; charset=utf-8'), false, true],
      [{ ...page(405, 'no'), allow: 'GET, HEAD' }, false, true],
      [{ ...page(405, 'no'), allow: 'GET' }, false, true],
      [{ ...page(503, 'busy'), retryAfterSeconds: 1 }, false, false],
      [{ ...page(503, 'busy'), retryAfterSeconds: 2 }, false, false],
      [page(200, '<h1>Hello</h1>'), true, true],
      [page(200, '<h1>Hello</h1>'), false, true],
    ];
    for (const [parts, isHead, keepAlive] of answers) {
      const { head, body } = split(serializeResponse(parts, isHead, keepAlive));
      expect(head[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${parts.status} [A-Z]`));
      expect(head).toContain(`Content-Type: ${parts.contentType}`);
      expect(head).toContain(`Content-Length: ${parts.body.byteLength}`);
      expect(head.includes('Connection: close')).toBe(!keepAlive);
      expect(head.includes(`Allow: ${parts.allow}`)).toBe(parts.allow !== undefined);
      expect(head.includes(`Retry-After: ${parts.retryAfterSeconds}`)).toBe(parts.retryAfterSeconds !== undefined);
      expect(body).toBe(isHead ? '' : Buffer.from(parts.body).toString('utf8'));
    }
  });

  it('moves the Date header on with the clock, and each answer is a buffer of its own', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 2, 3, 4, 5, 900) });
    try {
      const first = serializeResponse(page(200, 'a'), false, true);
      vi.setSystemTime(Date.UTC(2026, 0, 2, 3, 4, 6, 100));
      const second = serializeResponse(page(200, 'a'), false, true);
      expect(split(first).head).toContain('Date: Fri, 02 Jan 2026 03:04:05 GMT');
      expect(split(second).head).toContain('Date: Fri, 02 Jan 2026 03:04:06 GMT');
      second.fill(0);
      expect(split(serializeResponse(page(200, 'a'), false, true)).head).toContain('Date: Fri, 02 Jan 2026 03:04:06 GMT');
      expect(split(first).head[0]).toBe('HTTP/1.1 200 OK');
    } finally {
      vi.useRealTimers();
    }
  });
});
