// Poolscope's Electron shell: one locked-down window, the IPC gateway, and the controller's life (start
// with the app, graceful stop before it quits). No server or UI logic lives here; see ipc.ts and server-controller.ts.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, session, shell, type WebContents } from 'electron';
import { runtimeFilesFor } from '../server';
import { registerIpc } from './ipc';
import { isBookServerLink, isOwnRendererUrl, trustedRendererFor } from './ipc-guard';
import { FramePublisher } from './publisher';
import { ServerController } from './server-controller';

/** out/main: the bundle's own folder (an ESM main has no __dirname). */
const mainDir = dirname(fileURLToPath(import.meta.url));
const PRELOAD_PATH = join(mainDir, '../preload/index.cjs');
const RENDERER_INDEX_PATH = join(mainDir, '../renderer/index.html');

/** Painted before the renderer's first frame, so the window never flashes white under a dark UI. */
const WINDOW_BACKGROUND_COLOR = '#0b0f14';
/** How long quitting waits for running and queued requests to be answered before it gives up on them. */
const QUIT_GRACE_MS = 10_000;

// electron-vite's dev server sets this; a packaged app never loads anything but its own files.
const devServerUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null;
const trustedRenderer = trustedRendererFor(RENDERER_INDEX_PATH, devServerUrl);

app.setName('Poolscope');

const controller = new ServerController(runtimeFilesFor(import.meta.url));
const publisher = new FramePublisher(controller);
let disposeIpc: () => void = () => {};

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Poolscope',
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    backgroundColor: WINDOW_BACKGROUND_COLOR,
    show: false,
    webPreferences: {
      preload: PRELOAD_PATH,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // The window keeps the app's name whatever the page's <title> says.
  window.on('page-title-updated', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(RENDERER_INDEX_PATH);
  return window;
}

/** Opens a link in the person's own browser when it points at the book server; anything else goes nowhere. */
function openBookServerLink(url: string): void {
  if (isBookServerLink(url, controller.status.url)) void shell.openExternal(url);
}

/**
 * Every web contents, present and future, gets the same rules (Electron's security checklist, items 13–15):
 * no navigation away from our page, no new windows, no <webview>.
 */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (isOwnRendererUrl(event.url, trustedRenderer)) return;
    event.preventDefault();
    openBookServerLink(event.url);
  });
  contents.setWindowOpenHandler(({ url }) => {
    openBookServerLink(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

async function stopEverything(): Promise<'stopped' | 'timed-out'> {
  disposeIpc();
  publisher.dispose();
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), QUIT_GRACE_MS);
  });
  try {
    const stopped = controller.dispose().then(
      () => 'stopped' as const,
      (error: unknown) => {
        console.error('Poolscope: the server did not stop cleanly:', error);
        return 'stopped' as const;
      },
    );
    return await Promise.race([stopped, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

app.on('web-contents-created', (_event, contents) => lockDown(contents));

void app.whenReady().then(() => {
  // Poolscope needs no camera, notifications or anything else a page may ask for.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  disposeIpc = registerIpc({ controller, publisher, trustedRenderer });
  createWindow();
});

// The server lives inside this process: closing its only window ends both, on every platform.
app.on('window-all-closed', () => app.quit());

let shutdown: 'running' | 'stopping' | 'done' = 'running';
app.on('before-quit', (event) => {
  if (shutdown === 'done') return;
  event.preventDefault();
  if (shutdown === 'stopping') return;
  shutdown = 'stopping';
  void stopEverything().then((outcome) => {
    shutdown = 'done';
    if (outcome === 'timed-out') {
      console.error(`Poolscope: requests still running after ${QUIT_GRACE_MS} ms; quitting without them.`);
      app.exit(0);
    } else {
      app.quit();
    }
  });
});

// Ctrl-C in the terminal that ran `npm start` (or a service manager's SIGTERM) quits gracefully too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
