// How the server reads an accepted socket: into one buffer that every connection of the process shares, handed
// to the connection straight from Node's read callback (net.Socket's `onread`), or through 'data' events where
// the Node in use cannot. It owns that buffer and the switch; whoever keeps bytes of a read past it copies them.
//
// Why: with 'data' events every read allocates an ArrayBuffer and a Buffer and goes through the Readable stream
// (push, addChunk, emit). With `onread` Node reads into the given buffer and calls back with the byte count.
//
// How: net.Server builds each accepted socket itself and has no `onread` option for it. Building a second
// net.Socket around the accepted one's handle would leave net.Server counting (maxConnections, close()) a socket
// that no longer reads or closes. So the accepted socket, created paused (the listener's pauseOnConnect) and not
// read yet, gets what its constructor would have set for `onread`: its own buffer and callback fields (Node's
// kBuffer and kBufferCb, found by their descriptions), and its handle told to read into that buffer
// (useUserBuffer, as Node's initSocketHandle does). From then on Node treats it as an `onread` socket: pause()
// and resume() stop and start the handle (documented for `onread`), 'end', 'error' and 'close' come as before.
// A Node without those fields or that method (another Electron's) gets 'data' events, as before.

import type net from 'node:net';

/** One read: bytes[0, byteCount). The bytes may be the shared buffer: valid only until the receiver returns. */
export type ReadReceiver = (bytes: Buffer, byteCount: number) => void;

/** 'shared-buffer' where the Node in use allows it, else 'data-events'; tests ask for 'data-events' to check the fallback. */
export type SocketReadMode = 'shared-buffer' | 'data-events';

/** Node reads at most 64 KiB at a time into its own buffers; the shared one is as large, so a read is no smaller. */
export const SHARED_READ_BUFFER_BYTES = 64 * 1024;

/** The socket's own `onread` fields: where its buffer and its callback go. */
interface OnreadFields {
  readonly buffer: symbol;
  readonly callback: symbol;
}

/** A socket as Node builds it: its `onread` fields and its handle. */
type SocketInternals = net.Socket & {
  _handle?: { useUserBuffer?: (buffer: Buffer) => void } | null;
} & Record<symbol, unknown>;

/** Found on the first socket; null when this Node's sockets have no such fields. */
let onreadFields: OnreadFields | null | undefined;
let sharedReadBuffer: Buffer | null = null;

function onreadFieldsOf(socket: SocketInternals): OnreadFields | null {
  if (onreadFields !== undefined) return onreadFields;
  let buffer: symbol | null = null;
  let callback: symbol | null = null;
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description === 'kBuffer') buffer = symbol;
    else if (symbol.description === 'kBufferCb') callback = symbol;
  }
  onreadFields = buffer !== null && callback !== null ? { buffer, callback } : null;
  return onreadFields;
}

/**
 * Whether `socket` can be switched to the shared buffer: this Node has the fields and the handle the method,
 * and the socket is not reading into a buffer of its own already.
 */
export function canReadIntoSharedBuffer(socket: net.Socket): boolean {
  const internals = socket as SocketInternals;
  const fields = onreadFieldsOf(internals);
  if (fields === null || typeof internals._handle?.useUserBuffer !== 'function') return false;
  return internals[fields.buffer] === null && internals[fields.callback] === null;
}

/**
 * Starts reading an accepted socket that has not been read yet (the listener's pauseOnConnect): every read goes
 * to `receive`, into the shared buffer when `mode` allows and this Node can, else as 'data' events. Returns
 * the mode it got. Flow control stays the socket's own pause() and resume().
 */
export function startReading(socket: net.Socket, receive: ReadReceiver, mode: SocketReadMode): SocketReadMode {
  if (mode === 'shared-buffer' && canReadIntoSharedBuffer(socket)) {
    const internals = socket as SocketInternals;
    const fields = onreadFields!;
    sharedReadBuffer ??= Buffer.allocUnsafe(SHARED_READ_BUFFER_BYTES);
    internals[fields.buffer] = sharedReadBuffer;
    // Returns nothing: `false` would stop the reads, and only the connection's own pause() does that.
    internals[fields.callback] = (byteCount: number, bytes: Buffer): void => {
      receive(bytes, byteCount);
    };
    internals._handle!.useUserBuffer!(sharedReadBuffer);
    socket.resume();
    return 'shared-buffer';
  }
  socket.on('data', (chunk: Buffer) => receive(chunk, chunk.length));
  socket.resume();
  return 'data-events';
}
