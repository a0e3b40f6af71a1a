// The request parser's error table: for each code of the HttpParseErrorCode union (src/shared/rejections.ts,
// where every rejection code is declared), its response status and the message a person reads.

import type { HttpParseErrorCode } from '../../shared/rejections';

export const PARSE_ERRORS = {
  /** RFC 9112 §3: a server that receives a longer request-target than it wishes to parse answers 414. */
  REQUEST_LINE_TOO_LONG: { status: 414, message: 'request line is too long' },
  /** RFC 6585 §5; also used for an oversized trailer section. */
  HEADERS_TOO_LARGE: { status: 431, message: 'header section is too large' },
  TOO_MANY_HEADERS: { status: 431, message: 'too many header fields' },
  /** Declared by Content-Length, or reached by the chunks, before the body is read. */
  BODY_TOO_LARGE: { status: 413, message: 'body is too large' },
  /** Not a token, or a token with lowercase letters (methods are case-sensitive and registered in uppercase). */
  INVALID_METHOD: { status: 400, message: 'method is not an uppercase token' },
  /** Also a malformed absolute-form (no "//", an empty host, userinfo, a bad port) or authority-form target. */
  INVALID_TARGET: { status: 400, message: 'request target is not valid' },
  INVALID_VERSION: { status: 400, message: 'HTTP version is missing or malformed' },
  /** Well formed (HTTP/d.d) but neither 1.0 nor 1.1. */
  UNSUPPORTED_VERSION: { status: 505, message: 'only HTTP/1.0 and HTTP/1.1 are supported' },
  /** Not `method SP target SP version`. */
  INVALID_REQUEST_LINE: { status: 400, message: 'request line is malformed' },
  /** Includes whitespace between the field name and the colon (RFC 9112 §5.1). */
  INVALID_HEADER_NAME: { status: 400, message: 'header field name is not a token' },
  MISSING_COLON: { status: 400, message: 'header line has no colon' },
  /** A bare CR, NUL, DEL or another control character in a field value. */
  INVALID_HEADER_VALUE: { status: 400, message: 'header field value has a forbidden character' },
  /** RFC 9112 §5.2: obsolete line folding is rejected, as is whitespace before the first field. */
  OBS_FOLD: { status: 400, message: 'header line starts with whitespace (line folding is not accepted)' },
  INVALID_CONTENT_LENGTH: { status: 400, message: 'Content-Length is not a number' },
  /** Repeated Content-Length values must all be equal (RFC 9110 §8.6); equal repeats are accepted. */
  CONFLICTING_CONTENT_LENGTH: { status: 400, message: 'Content-Length values disagree' },
  /** RFC 9112 §6.1: a request smuggling signal, never guessed at. */
  TRANSFER_ENCODING_WITH_CONTENT_LENGTH: { status: 400, message: 'Transfer-Encoding and Content-Length are both present' },
  /** RFC 9112 §6.1: HTTP/1.0 has no transfer codings, so the framing is untrustworthy. */
  TRANSFER_ENCODING_IN_HTTP_1_0: { status: 400, message: 'Transfer-Encoding is not allowed in an HTTP/1.0 request' },
  /** RFC 9112 §6.3: without chunked last, once, the body length cannot be known, and 400 is a MUST. */
  CHUNKED_NOT_FINAL: { status: 400, message: 'Transfer-Encoding must end with chunked, applied once' },
  /** RFC 9112 §6.1: a coding the server does not implement (anything before the final chunked). */
  UNSUPPORTED_TRANSFER_ENCODING: { status: 501, message: 'only the chunked transfer coding is supported' },
  INVALID_CHUNK: { status: 400, message: 'chunked body is malformed' },
  /** Chunk size plus extensions are bounded so extensions cannot be used to stream unbounded bytes. */
  CHUNK_LINE_TOO_LONG: { status: 400, message: 'chunk size line is too long' },
  /** RFC 9112 §3.2: an HTTP/1.1 request must carry exactly one Host. */
  MISSING_HOST: { status: 400, message: 'HTTP/1.1 request has no Host header' },
  MULTIPLE_HOST: { status: 400, message: 'request has more than one Host header' },
  /** Host = uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2): a name, an IPv4 address or an [IP literal]. */
  INVALID_HOST: { status: 400, message: 'Host header is not a host with an optional port' },
  /** Lines must end with CRLF; a lone LF is not accepted as a line ending (RFC 9112 §2.2 allows refusing it). */
  BARE_LF: { status: 400, message: 'line ends with LF instead of CRLF' },
  /**
   * RFC 9112 §2.2: a CR not followed by LF makes the element invalid. Refused as soon as the byte after it
   * arrives, so a client that ends its lines with CR alone hears why at once instead of waiting for a timeout.
   */
  BARE_CR: { status: 400, message: 'a CR is not followed by LF' },
  /**
   * Chunk-size lines, extensions and CRLFs outweigh the chunk data by more than maxChunkFramingExcessBytes
   * (tiny chunks or long extensions); 413 as Node answers for its chunk-extension limit.
   */
  CHUNKED_FRAMING_TOO_LARGE: { status: 413, message: 'chunked framing is too large for its data' },
  /**
   * A well-formed absolute-form target whose scheme is not http (https, ftp, ...): this plain-TCP server is not
   * authoritative for it, which is what 421 says (RFC 9110 §15.5.20); serving it would answer an https URI without TLS.
   */
  UNSUPPORTED_SCHEME: { status: 421, message: 'only http: targets are served here' },
} as const satisfies Record<HttpParseErrorCode, { status: number; message: string }>;

export interface HttpParseError {
  code: HttpParseErrorCode;
  status: number;
  /** Readable by a person; goes into the response body after the reason phrase. */
  message: string;
}

/** The error for `code`, with a message naming the specific limit or value when one is given. */
export function httpParseError(code: HttpParseErrorCode, message?: string): HttpParseError {
  const entry = PARSE_ERRORS[code];
  return { code, status: entry.status, message: message ?? entry.message };
}
