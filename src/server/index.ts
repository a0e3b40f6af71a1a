// The server's public surface: what the CLI, the Electron main process and the dashboard import.
export { EventStream, type ServerEventListener } from './event-stream';
export { PoolCreationError } from './pool/thread-pool';
export {
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_PAGES_DIR,
  DEFAULT_PORT,
  DEFAULT_SLEEP_MS,
  DEFAULT_WORKER_COUNT,
  DEFAULT_WORKER_SCRIPT,
  type RunningServer,
  type ServerOptions,
  startServer,
} from './server';
