// The benchmark's baseline: a plain node:http server answering GET / with the same hello.html bytes and
// the same headers as Poolscope, on one thread with no pool, so the numbers show what the thread hop costs.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

const HTML = 'text/html; charset=utf-8';

/**
 * Not listening yet: the caller picks the port. node:http adds `Date` by itself, and on kept-alive
 * answers also `Connection: keep-alive` and `Keep-Alive: timeout=5`, which Poolscope omits; node:http
 * cannot be told to drop them, so the baseline sends ~40 bytes more per response.
 */
export function createPlainNodeServer(pagesDir: string): http.Server {
  const hello = readFileSync(join(pagesDir, 'hello.html'));
  const notFound = readFileSync(join(pagesDir, '404.html'));
  const server = http.createServer({ noDelay: true }, (request, response) => {
    const target = request.url ?? '/';
    const q = target.indexOf('?');
    const isHello = (q === -1 ? target : target.slice(0, q)) === '/';
    const body = isHello ? hello : notFound;
    response.writeHead(isHello ? 200 : 404, { 'Content-Type': HTML, 'Content-Length': body.byteLength });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  // Poolscope's DEFAULT_KEEP_ALIVE_TIMEOUT_MS, so both close idle connections alike.
  server.keepAliveTimeout = 5_000;
  return server;
}
