// The one event stream every observer of the server consumes (CLI, Electron app, browser dashboard).
// Contract only: no imports, no behaviour. The main thread stamps every `at` (ms since the Unix epoch,
// fractional, from performance.timeOrigin + performance.now()); worker threads only report durations.

/** Why the server began to stop. */
export type StopReason = 'signal' | 'stop-after' | 'command' | 'error';

/** Why a connection ended. */
export type ConnectionCloseReason =
  | 'client-closed' // the peer ended or reset the connection
  | 'server-closed' // we closed after `Connection: close`, HTTP/1.0, or an unrecoverable parse error
  | 'idle-timeout' // keep-alive connection sat idle longer than keepAliveTimeoutMs
  | 'header-timeout' // a request's header section did not arrive within headerTimeoutMs (408 sent)
  | 'connection-limit' // refused at accept because maxConnections were open
  | 'socket-error'
  | 'shutdown'; // graceful shutdown closed an idle connection

export type WorkerExitReason = 'shutdown' | 'crashed';

export type ServerEvent =
  | {
      type: 'server-listening';
      at: number;
      host: string;
      port: number;
      workerCount: number;
      sleepMs: number;
      maxQueuedJobs: number;
    }
  | { type: 'server-stopping'; at: number; reason: StopReason }
  | { type: 'server-stopped'; at: number }
  | { type: 'connection-opened'; at: number; connectionId: number; remoteAddress: string; remotePort: number }
  | {
      type: 'connection-closed';
      at: number;
      connectionId: number;
      reason: ConnectionCloseReason;
      /** Requests answered on this connection before it closed. */
      requestCount: number;
    }
  | {
      type: 'request-received';
      at: number;
      requestId: number;
      connectionId: number;
      method: string;
      /** The request-target exactly as sent, e.g. `/sleep?ms=200`. */
      target: string;
      remoteAddress: string;
      /** null when the request had no User-Agent header. */
      userAgent: string | null;
    }
  | {
      /** The server answered without running a job: a parse error, or the job queue was full. */
      type: 'request-rejected';
      at: number;
      requestId: number;
      connectionId: number;
      status: number;
      /** A stable code from the parser's error table, or 'QUEUE_FULL'. */
      errorCode: string;
    }
  | { type: 'job-queued'; at: number; requestId: number /** jobs waiting, this one included */; queueDepth: number }
  | {
      type: 'job-started';
      at: number;
      requestId: number;
      workerId: number;
      /** Time from job-queued to this dispatch, measured on the main thread. */
      waitMs: number;
      /** jobs still waiting after this one left the queue */
      queueDepth: number;
    }
  | {
      type: 'job-finished';
      at: number;
      requestId: number;
      workerId: number;
      /** Time the job ran, measured inside the worker thread. */
      runMs: number;
      status: number;
    }
  | { type: 'response-sent'; at: number; requestId: number; status: number; bytes: number }
  | { type: 'worker-spawned'; at: number; workerId: number }
  /** Graceful shutdown is about to join this worker (the book's "Shutting down worker {id}"). */
  | { type: 'worker-stopping'; at: number; workerId: number }
  | { type: 'worker-exited'; at: number; workerId: number; reason: WorkerExitReason; exitCode: number }
  /** A crashed worker's id was taken over by a fresh thread. */
  | { type: 'worker-replaced'; at: number; workerId: number };

export type ServerEventType = ServerEvent['type'];
export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

/** Requests the dashboard's burst generator sends carry this User-Agent, so every observer can tell them from external ones. */
export const BURST_USER_AGENT = 'poolscope-burst/1';

/**
 * The book's log lines (ch. 21), derived from events so the CLI and the UI print exactly the same words.
 * Returns null for events the book does not print.
 */
export function formatBookLine(event: ServerEvent): string | null {
  switch (event.type) {
    case 'job-started':
      return `Worker ${event.workerId} got a job; executing.`;
    case 'server-stopping':
      return 'Shutting down.';
    case 'worker-stopping':
      return `Shutting down worker ${event.workerId}`;
    case 'worker-exited':
      return event.reason === 'shutdown'
        ? `Worker ${event.workerId} disconnected; shutting down.`
        : `Worker ${event.workerId} crashed (exit code ${event.exitCode}); replacing it.`;
    default:
      return null;
  }
}
