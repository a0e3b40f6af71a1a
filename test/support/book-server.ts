// A stand-in for the book's final Rust server (ch. 21), byte for byte on the wire: it reads the request,
// matches the request line exactly ("GET / HTTP/1.1", "GET /sleep HTTP/1.1"), answers with a status line,
// Content-Length and the page, then drops the connection — no Connection header, no keep-alive.

import net from 'node:net';

export interface BookServer {
  port: number;
  /** Connections accepted so far (one per request, since each is closed after its response). */
  connectionCount(): number;
  /** Stops listening and drops every open connection, as killing the Rust process would. */
  stop(): Promise<void>;
}

const HELLO = '<!DOCTYPE html>\n<html lang="en">\n  <body>\n    <h1>Hello!</h1>\n    <p>Hi from Rust</p>\n  </body>\n</html>\n';
const NOT_FOUND =
  '<!DOCTYPE html>\n<html lang="en">\n  <body>\n    <h1>Oops!</h1>\n    <p>Sorry, I don\'t know what you\'re asking for.</p>\n  </body>\n</html>\n';

export async function startBookServer(options: { sleepMs?: number } = {}): Promise<BookServer> {
  const sleepMs = options.sleepMs ?? 5_000;
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let received = '';
    let isAnswered = false;
    socket.on('data', (chunk: Buffer) => {
      if (isAnswered) return;
      received += chunk.toString('latin1');
      // BufReader::lines().next(): the request line is all the book's server looks at, once the request has arrived.
      if (!received.includes('\r\n\r\n')) return;
      isAnswered = true;
      const requestLine = received.slice(0, received.indexOf('\r\n'));
      const [status, body, delayMs] =
        requestLine === 'GET / HTTP/1.1'
          ? ['HTTP/1.1 200 OK', HELLO, 0]
          : requestLine === 'GET /sleep HTTP/1.1'
            ? ['HTTP/1.1 200 OK', HELLO, sleepMs]
            : ['HTTP/1.1 404 NOT FOUND', NOT_FOUND, 0];
      const answer = () => socket.end(`${status}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connectionCount: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
