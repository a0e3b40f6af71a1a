// The server's public surface: what the CLI, the Electron main process and the dashboard import.
// Code outside src/server imports the server from here only, never from a file inside it.
export { DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from './connection';
export { type ConnectionBudget, describeLoweredBudget } from './descriptor-budget';
export { EventStream, type ServerEventListener } from './event-stream';
export { PoolCreationError } from './pool/thread-pool';
export { type RuntimeFiles, runtimeFilesFor } from './runtime-files';
export {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_PAGES_DIR,
  DEFAULT_WORKER_SCRIPT,
  ListenError,
  type RunningServer,
  type ServerOptions,
  startServer,
} from './server';
