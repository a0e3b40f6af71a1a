// The book's routes (ch. 21): `GET /` → hello.html, `GET /sleep` → the same page after a blocking sleep,
// anything else → 404.html. Runs inside a worker thread; pure apart from the sleep, so it is testable alone.

import { sleepOverrideMs } from '../shared/sleep-query';

export interface RouteInput {
  method: string;
  /** The path and query (`/sleep?ms=10`), also for an absolute-form request; `*` and CONNECT's host:port as sent. */
  target: string;
}

export interface RouteOutput {
  status: number;
  contentType: string;
  body: Uint8Array;
  /** Value of the Allow header, for 405 answers (RFC 9110 §15.5.6 requires it). */
  allow?: string;
}

export interface Pages {
  hello: Uint8Array;
  notFound: Uint8Array;
}

export interface RouterOptions {
  pages: Pages;
  /** How long `/sleep` blocks when the request does not say `?ms=`. */
  sleepMs: number;
  /** Blocks the calling thread; the worker passes an Atomics.wait-based one (the book's thread::sleep). */
  sleep: (ms: number) => void;
}

export const ALLOWED_METHODS = 'GET, HEAD';

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';
/** Methods the server knows but does not allow on any route: 405. Anything else is unknown to it: 501 (RFC 9110 §9.1). */
const KNOWN_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT']);

const encoder = new TextEncoder();

function text(status: number, message: string): RouteOutput {
  return { status, contentType: TEXT, body: encoder.encode(`${message}\n`) };
}

export function createRouter(options: RouterOptions): (input: RouteInput) => RouteOutput {
  const hello: RouteOutput = { status: 200, contentType: HTML, body: options.pages.hello };
  const notFound: RouteOutput = { status: 404, contentType: HTML, body: options.pages.notFound };
  const methodNotAllowed: RouteOutput = { ...text(405, 'Method Not Allowed: this server answers GET and HEAD'), allow: ALLOWED_METHODS };
  const notImplemented = text(501, 'Not Implemented: unknown method');

  return ({ method, target }) => {
    if (method !== 'GET' && method !== 'HEAD') return KNOWN_METHODS.has(method) ? methodNotAllowed : notImplemented;
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    if (path === '/') return hello;
    if (path === '/sleep') {
      const override = q === -1 ? null : sleepOverrideMs(target.slice(q + 1));
      if (typeof override === 'string') return text(400, `Bad Request: ${override}`);
      options.sleep(override ?? options.sleepMs);
      return hello;
    }
    return notFound;
  };
}
