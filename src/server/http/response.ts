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

/** What a response's head is made of; the last head built is kept with it, since a server mostly repeats one. */
interface HeadKey {
  status: number;
  contentType: string;
  contentLength: number;
  allow: string | undefined;
  retryAfterSeconds: number | undefined;
  keepAlive: boolean;
  /** The Date header's second. */
  dateSecond: number;
}

let lastHeadKey: HeadKey = {
  status: 0,
  contentType: '',
  contentLength: -1,
  allow: undefined,
  retryAfterSeconds: undefined,
  keepAlive: false,
  dateSecond: -1,
};
let lastHead: Buffer = Buffer.alloc(0);

/** The status line and headers, CRLF-terminated: the last head again when nothing in it has changed. */
function headOf(parts: ResponseParts, keepAlive: boolean): Buffer {
  const dateValue = dateHeader();
  const last = lastHeadKey;
  if (
    last.status === parts.status &&
    last.contentLength === parts.body.byteLength &&
    last.keepAlive === keepAlive &&
    last.dateSecond === cachedDateSecond &&
    last.contentType === parts.contentType &&
    last.allow === parts.allow &&
    last.retryAfterSeconds === parts.retryAfterSeconds
  ) {
    return lastHead;
  }
  let head =
    `HTTP/1.1 ${parts.status} ${STATUS_REASONS[parts.status] ?? 'Unknown'}\r\n` +
    `Content-Type: ${parts.contentType}\r\n` +
    `Content-Length: ${parts.body.byteLength}\r\n` +
    `Date: ${dateValue}\r\n`;
  if (parts.allow !== undefined) head += `Allow: ${parts.allow}\r\n`;
  if (parts.retryAfterSeconds !== undefined) head += `Retry-After: ${parts.retryAfterSeconds}\r\n`;
  if (!keepAlive) head += 'Connection: close\r\n';
  head += '\r\n';
  lastHeadKey = {
    status: parts.status,
    contentType: parts.contentType,
    contentLength: parts.body.byteLength,
    allow: parts.allow,
    retryAfterSeconds: parts.retryAfterSeconds,
    keepAlive,
    dateSecond: cachedDateSecond,
  };
  lastHead = Buffer.from(head, 'latin1');
  return lastHead;
}

/**
 * Builds the bytes of one response. HEAD gets the GET headers (same Content-Length) but no body
 * (RFC 9110 §9.3.2); `keepAlive: false` adds `Connection: close` (RFC 9112 §9.6).
 */
export function serializeResponse(parts: ResponseParts, isHead: boolean, keepAlive: boolean): Buffer {
  const head = headOf(parts, keepAlive);
  const body = isHead ? EMPTY : parts.body;
  const out = Buffer.allocUnsafe(head.byteLength + body.byteLength);
  out.set(head, 0);
  out.set(body, head.byteLength);
  return out;
}
