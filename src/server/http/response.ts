// Serialises responses: status line, the headers every answer carries (Content-Length, Content-Type,
// Date, Connection when closing) and the body, into one buffer so each response is one socket write.

export const STATUS_REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

export interface ResponseParts {
  status: number;
  contentType: string;
  body: Uint8Array;
  /** Allow header value (405). */
  allow?: string;
  /** Retry-After header value in seconds (503). */
  retryAfterSeconds?: number;
}

const TEXT = 'text/plain; charset=utf-8';
const EMPTY = new Uint8Array(0);

// Date has one-second resolution (RFC 9110 §6.6.1), so format it at most once a second.
let cachedDateSecond = -1;
let cachedDateHeader = '';
function dateHeader(): string {
  const nowMs = Date.now();
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedDateSecond) {
    cachedDateSecond = second;
    cachedDateHeader = new Date(nowMs).toUTCString();
  }
  return cachedDateHeader;
}

/** A plain-text answer the server gives by itself (parse errors, 503, 500): the reason in words. */
export function textResponse(status: number, message: string, extra?: Partial<ResponseParts>): ResponseParts {
  return { status, contentType: TEXT, body: Buffer.from(`${message}\n`, 'utf8'), ...extra };
}

/**
 * Builds the bytes of one response. HEAD gets the GET headers (same Content-Length) but no body
 * (RFC 9110 §9.3.2); `keepAlive: false` adds `Connection: close` (RFC 9112 §9.6).
 */
export function serializeResponse(parts: ResponseParts, isHead: boolean, keepAlive: boolean): Buffer {
  let head =
    `HTTP/1.1 ${parts.status} ${STATUS_REASONS[parts.status] ?? 'Unknown'}\r\n` +
    `Content-Type: ${parts.contentType}\r\n` +
    `Content-Length: ${parts.body.byteLength}\r\n` +
    `Date: ${dateHeader()}\r\n`;
  if (parts.allow !== undefined) head += `Allow: ${parts.allow}\r\n`;
  if (parts.retryAfterSeconds !== undefined) head += `Retry-After: ${parts.retryAfterSeconds}\r\n`;
  if (!keepAlive) head += 'Connection: close\r\n';
  head += '\r\n';
  const body = isHead ? EMPTY : parts.body;
  const headBytes = Buffer.byteLength(head, 'latin1');
  const out = Buffer.allocUnsafe(headBytes + body.byteLength);
  out.write(head, 0, 'latin1');
  out.set(body, headBytes);
  return out;
}
