// TCP ports for the tests, the e2e specs and the benchmarks: one the OS says is free right now, or one held
// busy on purpose to see what "the port is already in use" looks like.

import net from 'node:net';

export interface OccupiedPort {
  readonly port: number;
  /** Stops listening; resolves once the port is free again. */
  release(): Promise<void>;
}

/** Listens on a port the OS picks and holds it until release(). */
export function occupyPort(host = '127.0.0.1'): Promise<OccupiedPort> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ port, release: () => new Promise<void>((released) => server.close(() => released())) });
    });
  });
}

/** A port nobody listens on right now (there is a small window before the caller binds it). */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const probe = await occupyPort(host);
  await probe.release();
  return probe.port;
}
