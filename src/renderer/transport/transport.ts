// What the UI gets from a transport: the PoolscopeApi and how the link to the main side is doing.
// The transport owns these types; the store and the bridge import them from here, never the reverse.

import type { HistoryExportKind, PoolscopeApi, SaveResult } from '../../shared/wire';

/** How the renderer's link to the main side is doing (always 'connected' over Electron IPC). */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export type TransportKind = 'electron' | 'dashboard';

export interface Transport {
  api: PoolscopeApi;
  /** 'electron' never disconnects; 'dashboard' reports its socket's state. */
  kind: TransportKind;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  readonly connectionState: ConnectionState;
  /** Save run… / Export trace of the live history: a save dialog in Electron, a download from the dashboard. */
  saveHistory(kind: HistoryExportKind): Promise<SaveResult>;
}
