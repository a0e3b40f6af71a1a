// Why the server answered by itself instead of running a job: one union of stable codes, shared by the
// server that produces them and every viewer that shows them. Codes travel on the wire (request-rejected
// events carry them), so rename none; add new ones at the end.

/** The request parser's codes; src/server/http/parse-errors.ts gives each its status, message and RFC. */
export type HttpParseErrorCode =
  | 'REQUEST_LINE_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'TOO_MANY_HEADERS'
  | 'BODY_TOO_LARGE'
  | 'INVALID_METHOD'
  | 'INVALID_TARGET'
  | 'INVALID_VERSION'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_REQUEST_LINE'
  | 'INVALID_HEADER_NAME'
  | 'MISSING_COLON'
  | 'INVALID_HEADER_VALUE'
  | 'OBS_FOLD'
  | 'INVALID_CONTENT_LENGTH'
  | 'CONFLICTING_CONTENT_LENGTH'
  | 'TRANSFER_ENCODING_WITH_CONTENT_LENGTH'
  | 'TRANSFER_ENCODING_IN_HTTP_1_0'
  | 'CHUNKED_NOT_FINAL'
  | 'UNSUPPORTED_TRANSFER_ENCODING'
  | 'INVALID_CHUNK'
  | 'CHUNK_LINE_TOO_LONG'
  | 'MISSING_HOST'
  | 'MULTIPLE_HOST'
  | 'INVALID_HOST'
  | 'BARE_LF'
  | 'BARE_CR'
  | 'CHUNKED_FRAMING_TOO_LARGE'
  | 'UNSUPPORTED_SCHEME';

/** The server's own refusals, each answered 503 with Retry-After except HEADER_TIMEOUT (408). */
export type ServerRejectionCode =
  /** 503: maxQueuedJobs jobs were already waiting for a worker. */
  | 'QUEUE_FULL'
  /**
   * 503: a connection accepted after graceful shutdown began (it closes with reason 'shutdown', no request
   * read). A request is never read once shutdown begins, but one that were would get this code too.
   */
  | 'SHUTTING_DOWN'
  /** 408: the request (its header section and body) was not complete within headerTimeoutMs of its first byte. */
  | 'HEADER_TIMEOUT'
  /**
   * 503 at accept: maxConnections connections were open. No request was read, so there is no
   * request-rejected event; the connection shows as connection-opened, then connection-closed with reason 'connection-limit'.
   */
  | 'CONNECTION_LIMIT'
  /** 503: its job waited maxWaitMs in the queue without a worker taking it (its job-abandoned, reason 'max-wait', came first). */
  | 'QUEUE_WAIT_EXCEEDED'
  /** 503, strategy 'per-request': maxThreads request threads were running; a thread per request has no bound of its own. */
  | 'THREAD_LIMIT';

export type RejectionCode = HttpParseErrorCode | ServerRejectionCode;

/** A server's own refusal in the words a reader sees (the log, the request's details); null for a parse error's code. */
export function describeRejection(code: string): string | null {
  switch (code) {
    case 'QUEUE_FULL':
      return 'the queue is full';
    case 'SHUTTING_DOWN':
      return 'the server is shutting down';
    case 'HEADER_TIMEOUT':
      return 'the request was not complete in time';
    case 'CONNECTION_LIMIT':
      return 'too many open connections';
    case 'QUEUE_WAIT_EXCEEDED':
      return 'no worker was free within the max wait';
    case 'THREAD_LIMIT':
      return 'thread limit reached: this strategy has no bound of its own';
    default:
      return null;
  }
}
