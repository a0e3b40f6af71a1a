// The bench's second baseline, "Node's ceiling": a bare node:net server that answers every request with one
// fixed response (Poolscope's hello.html with Poolscope's headers) without parsing it. Nothing real can be
// faster on Node: what Poolscope reaches of it is what its parser, pool and bookkeeping cost.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const END_OF_HEAD = '\r\n\r\n';
const CLOSE_HEADER = /connection:\s*close/i;

function fixedResponse(body: Buffer, isClosing: boolean): Buffer {
  const head =
    'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n' +
    `Content-Length: ${body.byteLength}\r\nDate: ${new Date().toUTCString()}\r\n${isClosing ? 'Connection: close\r\n' : ''}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * Not listening yet: the caller picks the port. Counts the request heads in each chunk and writes that many
 * responses in one write; a request asking `Connection: close` gets its answer with `end()`. Only for the
 * bench's own GETs without a body: it trusts its client entirely (a head split across chunks is answered at its end).
 */
export function createBareNetServer(pagesDir: string): net.Server {
  const hello = readFileSync(join(pagesDir, 'hello.html'));
  const keptAlive = fixedResponse(hello, false);
  const closing = fixedResponse(hello, true);
  return net.createServer({ noDelay: true }, (socket) => {
    let tail = '';
    socket.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      let count = 0;
      let from = 0;
      for (let at = text.indexOf(END_OF_HEAD); at !== -1; at = text.indexOf(END_OF_HEAD, from)) {
        count++;
        from = at + END_OF_HEAD.length;
      }
      tail = text.slice(from);
      if (count === 0) return;
      if (CLOSE_HEADER.test(text)) socket.end(closing);
      else socket.write(count === 1 ? keptAlive : Buffer.concat(Array.from({ length: count }, () => keptAlive)));
    });
    socket.on('error', () => socket.destroy());
  });
}
