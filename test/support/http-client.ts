// HTTP clients for the tests, the e2e specs and the benchmarks. A raw HTTP/1.1 connection sends exact bytes over a
// real socket and reads responses (status, headers, body by Content-Length), so a test sees what any client on the
// wire would see; httpGet is an ordinary GET on a fresh connection, as a browser or curl makes one.

import http from 'node:http';
import net from 'node:net';
import { Changes } from './changes';

export interface RawResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private readonly changes = new Changes();
  isClosed = false;
  readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.changes.notify();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.changes.notify();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Reads one response; `isHead` because a HEAD response has Content-Length but no body. */
  async read(isHead = false): Promise<RawResponse> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = this.buffer.subarray(0, end).toString('latin1');
        const [statusLine, ...lines] = head.split('\r\n');
        const match = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(statusLine!);
        if (!match) throw new Error(`bad status line: ${statusLine}`);
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = isHead ? 0 : Number(headers['content-length'] ?? 0);
        if (this.buffer.length >= end + 4 + length) {
          const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
          this.buffer = this.buffer.subarray(end + 4 + length);
          return { status: Number(match[1]), reason: match[2]!, headers, body };
        }
      }
      if (this.isClosed)
        throw new Error(`connection closed before a full response (had ${JSON.stringify(this.buffer.toString('latin1'))})`);
      await this.changes.next();
    }
  }

  /** Resolves when the server has closed the connection, with whatever bytes were left unread. */
  async readUntilClosed(): Promise<string> {
    await this.closedPromise;
    return this.buffer.toString('latin1');
  }

  /** Sends RST: the peer sees the connection vanish, as when a browser tab is killed. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One request on a fresh connection. */
export async function request(port: number, raw: string, isHead = false): Promise<RawResponse> {
  const conn = await RawConnection.open(port);
  try {
    conn.send(raw);
    return await conn.read(isHead);
  } finally {
    conn.close();
  }
}

export const get = (path: string, extraHeaders = '') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extraHeaders}\r\n`;

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * GET `path` on a fresh connection (no agent, no keep-alive) with exactly these headers, e.g. a browser's
 * User-Agent, or the Host a hostile page would send.
 */
export function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
