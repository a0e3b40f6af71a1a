// The browser dashboard's own HTTP server: serves the built renderer, carries frames, views, acks, queries and
// commands over one WebSocket, and streams the live history as downloads (Save run…, Export trace). Loopback only,
// and guarded against other sites (Host, Origin and Sec-Fetch-Site checks), because whoever can reach it can start
// servers on this machine and read what they served.

import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { hostWithPort, httpUrlOf } from '../shared/address';
import type { CommandResult } from '../shared/commands';
import { DASHBOARD_EXPORT_PATHS, DASHBOARD_WS_PATH, type DashboardServerFrame, type HistoryExportKind } from '../shared/wire';
import { exportChunks, exportFileName, HISTORY_EXPORTS, snapshotOf, streamChunks } from './history-export';
import { FramePublisher, type FrameViewer } from './publisher';
import type { ServerController } from './server-controller';

export const DEFAULT_UI_HOST = '127.0.0.1';
export const DEFAULT_UI_PORT = 7879;
/** A page only ever sends small frames: commands, views, acks, queries. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/** Past this many bytes waiting on a socket, the publisher treats the page as behind and holds its next frame. */
export const CONGESTED_BUFFERED_BYTES = 4 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface DashboardOptions {
  controller: ServerController;
  /** Frames for the pages; default: the dashboard's own, on `controller` (disposed when it closes). */
  publisher?: FramePublisher;
  /** Must be a loopback address: 127.0.0.1 (default), another 127.x.y.z, ::1 or localhost. */
  uiHost?: string;
  /** 0 asks the OS for a free port; the returned url carries the real one. */
  uiPort?: number;
  /** The built renderer (out/renderer). */
  rendererDir: string;
}

export interface RunningDashboard {
  /** e.g. http://127.0.0.1:7879/ */
  readonly url: string;
  readonly port: number;
  /** Closes every page's socket and the HTTP server; leaves the controller and publisher to their owner. */
  close(): Promise<void>;
}

function exportKindOf(pathname: string): HistoryExportKind | null {
  for (const [kind, exportPath] of Object.entries(DASHBOARD_EXPORT_PATHS)) if (pathname === exportPath) return kind as HistoryExportKind;
  return null;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Listens, or rejects with an error whose message a person can read (the errno `code` is kept). */
function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const message =
        error.code === 'EADDRINUSE'
          ? `UI port ${port} is already in use on ${host}`
          : error.code === 'EACCES'
            ? `Permission denied to listen on ${hostWithPort(host, port)}`
            : `Could not listen on ${hostWithPort(host, port)}: ${error.message}`;
      reject(Object.assign(new Error(message), { code: error.code }));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function missingBuildPage(rendererDir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Poolscope: renderer not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard's page has not been built yet</h1>
<p>Run \`npm run build\` first (or start the dashboard with <code>npm run dashboard</code>, which builds it), then reload this page.</p>
<p>Looked for <code>index.html</code> in <code>${rendererDir.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}</code>.</p>
</body></html>
`;
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { controller } = options;
  const ownsPublisher = options.publisher === undefined;
  const publisher = options.publisher ?? new FramePublisher(controller);
  const uiHost = options.uiHost ?? DEFAULT_UI_HOST;
  const requestedPort = options.uiPort ?? DEFAULT_UI_PORT;
  if (!isLoopbackHost(uiHost)) {
    throw new Error(
      `The dashboard only listens on loopback (127.0.0.1, ::1 or localhost), not on ${uiHost}: anyone who reaches it can start servers on this machine`,
    );
  }
  const rendererDir = path.resolve(options.rendererDir);

  // Filled in once listening: with uiPort 0 the real port is only known then.
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  let securityHeaders: Record<string, string> = {};

  const httpServer = http.createServer((req, res) => {
    void serveFile(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Internal error\n');
    });
  });

  function plain(res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(`${text}\n`);
  }

  async function serveFile(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 still sends its own name as Host.
    if (!allowedHosts.has(req.headers.host ?? '')) return plain(res, 403, 'Forbidden: this dashboard answers only to its loopback address');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://dashboard.invalid').pathname);
    } catch {
      return plain(res, 400, 'Bad Request: malformed path');
    }
    if (pathname.includes('\0')) return plain(res, 400, 'Bad Request: malformed path');
    const exportKind = exportKindOf(pathname);
    if (exportKind !== null) return serveExport(req, res, exportKind);
    const isIndex = pathname === '/' || pathname === '/index.html';
    const filePath = path.resolve(rendererDir, `.${isIndex ? '/index.html' : pathname}`);
    if (filePath !== rendererDir && !filePath.startsWith(rendererDir + path.sep)) return plain(res, 404, 'Not Found');
    const info = await stat(filePath).catch(() => null);
    if (!info?.isFile()) {
      if (isIndex) {
        res.writeHead(500, { ...securityHeaders, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(missingBuildPage(rendererDir));
        return;
      }
      return plain(res, 404, 'Not Found');
    }
    const body = await readFile(filePath);
    res.writeHead(200, {
      ...securityHeaders,
      'Content-Type': CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(body.byteLength),
      // The page must always be fresh so it names the current build's assets; those are content-hashed.
      'Cache-Control': isIndex ? 'no-store' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /**
   * The live history as a download, streamed at the pace the browser reads it. Only the dashboard's own page (or
   * a person typing the address) may ask: a browser marks a request another site makes with Sec-Fetch-Site, and
   * one too old for that still names the other site in Origin when a script asks.
   */
  async function serveExport(req: http.IncomingMessage, res: http.ServerResponse, kind: HistoryExportKind): Promise<void> {
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if ((site !== undefined && site !== 'same-origin' && site !== 'none') || (origin !== undefined && !allowedOrigins.has(origin))) {
      return plain(res, 403, "Forbidden: the history is downloaded only from the dashboard's own page");
    }
    const snapshot = snapshotOf(controller);
    res.writeHead(200, {
      ...securityHeaders,
      'Content-Type': HISTORY_EXPORTS[kind].contentType,
      'Content-Disposition': `attachment; filename="${exportFileName(kind, new Date())}"`,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await streamChunks(exportChunks(kind, snapshot), res);
    } catch (error) {
      // The response is cut short, so the browser reports the download as failed rather than keep a file with a gap.
      if (!res.destroyed) res.destroy();
      if (!req.destroyed && !(error instanceof Error && 'code' in error && error.code === 'ERR_STREAM_PREMATURE_CLOSE')) {
        process.emitWarning(`Poolscope: the ${kind} download failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES });
  wss.on('error', () => {});
  wss.on('connection', (ws) => attachPage(ws));

  httpServer.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => {});
    const pathname = (req.url ?? '').split('?')[0];
    let refusal: string | null = null;
    if (pathname !== DASHBOARD_WS_PATH) refusal = '404 Not Found';
    // Browsers always send Origin on a WebSocket handshake; only our own page may connect.
    else if (!allowedHosts.has(req.headers.host ?? '') || !allowedOrigins.has(req.headers.origin ?? '')) refusal = '403 Forbidden';
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  function attachPage(ws: WebSocket): void {
    let viewer: FrameViewer | null = null;
    const sendFrame = (frame: DashboardServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const answer = (id: number, result: CommandResult) => sendFrame({ kind: 'command-result', id, result });

    ws.on('error', () => {});
    ws.on('close', () => {
      viewer?.remove();
      viewer = null;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      let frame: unknown;
      try {
        frame = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        frame = undefined;
      }
      const f = (typeof frame === 'object' && frame !== null ? frame : {}) as Record<string, unknown>;
      const id = typeof f.id === 'number' && Number.isFinite(f.id) ? f.id : null;
      if (f.kind === 'view') {
        // The page's first view starts its frames; nothing is sent to a page before it.
        viewer ??= publisher.addViewer({
          send: (message) => sendFrame(message),
          isCongested: () => ws.bufferedAmount > CONGESTED_BUFFERED_BYTES,
        });
        const error = viewer.setView(f.view);
        if (error !== null) sendFrame({ kind: 'refused', refused: 'view', error });
      } else if (f.kind === 'frame-ack') {
        const error = viewer?.ack(f.seq) ?? null;
        if (error !== null) sendFrame({ kind: 'refused', refused: 'frame-ack', error });
      } else if (f.kind === 'query' && id !== null) {
        sendFrame({ kind: 'query-result', id, result: viewer?.query(f.query) ?? publisher.query(f.query) });
      } else if (f.kind === 'command' && id !== null) {
        void controller.execute(f.command).then((result) => answer(id, result));
      } else if (f.kind === 'status' && id !== null) {
        sendFrame({ kind: 'status-result', id, status: controller.status });
      } else if (id !== null) {
        answer(id, {
          ok: false,
          error:
            'Malformed frame: expected {"kind":"view","view":{…}}, {"kind":"command","id":N,"command":{…}}, {"kind":"query",…} or {"kind":"status","id":N}',
        });
      }
      // A frame without an id cannot be answered; it is ignored.
    });
  }

  const port = await listen(httpServer, uiHost, requestedPort);
  const names = ['127.0.0.1', 'localhost', uiHost];
  allowedHosts = new Set(names.map((name) => hostWithPort(name, port)));
  allowedOrigins = new Set(names.map((name) => httpUrlOf(name, port)));
  const wsSources = [...new Set(names)].map((name) => `ws://${hostWithPort(name, port)}`).join(' ');
  securityHeaders = {
    // frame-ancestors 'none': no other site may show the dashboard in a frame and trick a click on Start server
    // (clickjacking); X-Frame-Options says the same to browsers that predate CSP level 2.
    'Content-Security-Policy': `default-src 'self'; connect-src 'self' ${wsSources}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'`,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
  };

  let closing: Promise<void> | null = null;
  return {
    url: `${httpUrlOf(uiHost, port)}/`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (ownsPublisher) publisher.dispose();
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      return closing;
    },
  };
}
