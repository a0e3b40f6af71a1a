// Picks the API the UI talks to: the Electron preload's window.poolscope when present, else the
// dashboard's WebSocket on the page's own origin; and how the live history is saved on each.

import { DASHBOARD_EXPORT_PATHS, DASHBOARD_WS_PATH, type HistoryExportKind, type SaveResult } from '../../shared/wire';
import { downloadUrl } from './downloads';
import type { Transport } from './transport';
import { type SocketFactory, WebSocketPoolscopeApi } from './websocket-api';

const browserSocket: SocketFactory = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.onopen = () => handlers.onOpen();
  socket.onmessage = (event) => handlers.onMessage(event.data);
  socket.onclose = () => handlers.onClose();
  return socket;
};

export function dashboardWebSocketUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${DASHBOARD_WS_PATH}`;
}

export function openTransport(): Transport {
  const preloadApi = window.poolscope;
  if (preloadApi) {
    return {
      api: preloadApi,
      kind: 'electron',
      connectionState: 'connected',
      onConnectionChange: () => () => {},
      saveHistory: (kind) => preloadApi.saveHistory(kind),
    };
  }
  const api = new WebSocketPoolscopeApi({ url: dashboardWebSocketUrl(window.location), createSocket: browserSocket });
  return {
    api,
    kind: 'dashboard',
    get connectionState() {
      return api.connectionState;
    },
    onConnectionChange: (listener) => api.onConnectionChange(listener),
    saveHistory: downloadFromDashboard,
  };
}

/** The dashboard streams the history as a download; the browser names the file from the response and saves it. */
function downloadFromDashboard(kind: HistoryExportKind): Promise<SaveResult> {
  downloadUrl(DASHBOARD_EXPORT_PATHS[kind]);
  return Promise.resolve({ ok: true, filePath: null });
}
