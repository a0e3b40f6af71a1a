// How a host and port are written in URLs and Host headers: IPv6 literals go in brackets (RFC 3986 §3.2.2).
// One place, shared by the server, the CLIs, the dashboard, the burst generator and the pool aggregate.

/** `127.0.0.1:7878`, `[::1]:7878` */
export function hostWithPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `http://127.0.0.1:7878` (no trailing slash) */
export function httpUrlOf(host: string, port: number): string {
  return `http://${hostWithPort(host, port)}`;
}
