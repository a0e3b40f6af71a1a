// Picks the API the UI talks to: the Electron preload's window.poolscope when present, else the
// dashboard's WebSocket on the page's own origin.

import { DASHBOARD_WS_PATH } from '../../shared/wire';
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
    return { api: preloadApi, kind: 'electron', connectionState: 'connected', onConnectionChange: () => () => {} };
  }
  const api = new WebSocketPoolscopeApi({ url: dashboardWebSocketUrl(window.location), createSocket: browserSocket });
  return {
    api,
    kind: 'dashboard',
    get connectionState() {
      return api.connectionState;
    },
    onConnectionChange: (listener) => api.onConnectionChange(listener),
  };
}
