// Who may talk to the main process, and where a link may lead: plain URL checks (no electron import)
// so the rules the IPC gateway and the window's navigation handlers enforce can be tested under Node.

import { pathToFileURL } from 'node:url';

/** Where the app's own renderer lives: the built page on disk, and in development electron-vite's dev server. */
export interface TrustedRenderer {
  /** `file://…/out/renderer/index.html`, exactly as BrowserWindow.loadFile() loads it. */
  indexFileUrl: string;
  /** ELECTRON_RENDERER_URL while developing (`http://localhost:5173`), else null. */
  devServerUrl: string | null;
}

/** The parts of Electron's WebFrameMain the check reads. */
export interface SenderFrameLike {
  readonly url: string;
  /** null for a top-level frame; an iframe inside our page is not our renderer. */
  readonly parent: unknown;
}

export type SenderCheck = { ok: true } | { ok: false; error: string };

export function trustedRendererFor(indexHtmlPath: string, devServerUrl: string | null | undefined): TrustedRenderer {
  return { indexFileUrl: pathToFileURL(indexHtmlPath).href, devServerUrl: devServerUrl || null };
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The URL without query and fragment: the renderer may keep view state there, the document is the same. */
function documentOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** True when `url` is a document of the app's own renderer. */
export function isOwnRendererUrl(url: string, trusted: TrustedRenderer): boolean {
  const parsed = parseUrl(url);
  if (!parsed) return false;
  if (parsed.protocol === 'file:') {
    const own = parseUrl(trusted.indexFileUrl);
    return own !== null && own.protocol === 'file:' && documentOf(parsed) === documentOf(own);
  }
  if (trusted.devServerUrl === null) return false;
  const dev = parseUrl(trusted.devServerUrl);
  // Origins of opaque URLs (about:, data:) are the string "null": never equal to a real dev server's.
  return dev !== null && (dev.protocol === 'http:' || dev.protocol === 'https:') && parsed.origin === dev.origin;
}

/**
 * Every IPC message is checked here before it reaches the controller: a frame that navigated elsewhere,
 * an iframe, or a frame already gone (null) gets a refusal, never the server.
 * See https://www.electronjs.org/docs/latest/tutorial/security#17-validate-the-sender-of-all-ipc-messages
 */
export function checkSender(frame: SenderFrameLike | null | undefined, trusted: TrustedRenderer): SenderCheck {
  if (!frame) return { ok: false, error: 'Refused: the sending frame is gone' };
  if (frame.parent !== null && frame.parent !== undefined) {
    return { ok: false, error: 'Refused: only the app window itself may send commands, not a frame inside it' };
  }
  if (!isOwnRendererUrl(frame.url, trusted)) {
    return { ok: false, error: `Refused: ${JSON.stringify(frame.url)} is not Poolscope's own page` };
  }
  return { ok: true };
}

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Links the window may hand to the system browser: plain http on loopback, on the port the book server
 * listens on (`bookServerUrl` is ControllerStatus.url, null while stopped). Anything else stays closed.
 */
export function isBookServerLink(url: string, bookServerUrl: string | null): boolean {
  if (bookServerUrl === null) return false;
  const link = parseUrl(url);
  const server = parseUrl(bookServerUrl);
  if (!link || !server) return false;
  if (link.protocol !== 'http:' || link.username !== '' || link.password !== '') return false;
  return LOOPBACK_HOSTNAMES.has(link.hostname) && link.port === server.port;
}
