// Reads the bytes a server sent on one connection as HTTP/1.1 responses, strictly: a status line with the
// reason the server's table gives, well-formed header fields, exactly one Content-Length and a body of exactly
// that length. Anything else is an error naming the offset, so a fuzz test can tell framing faults from closes.

import { STATUS_REASONS } from '../../src/server/http/response';

export interface StrictResponse {
  status: number;
  /** Names lowercased; every field the server sent, in order. */
  headers: Array<[name: string, value: string]>;
  body: Buffer;
}

const STATUS_LINE = /^HTTP\/1\.1 (\d{3}) ([^\r\n]*)$/;
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+): ([\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)$/;
/** Fields a response carries exactly once. */
const SINGLE_FIELDS = ['content-length', 'content-type', 'date'];

/**
 * Every complete response in `bytes`, in order; `isHeadAnswer(i)` says whether the i-th answers a HEAD (its
 * body is then absent though Content-Length is set). Throws at the first fault, and
 * when bytes are left over that do not make a complete response.
 */
export function readResponsesStrictly(bytes: Buffer, isHeadAnswer: (index: number) => boolean): StrictResponse[] {
  const responses: StrictResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const fail = (why: string): never => {
      const excerpt = JSON.stringify(bytes.subarray(at, at + 120).toString('latin1'));
      throw new Error(`response ${responses.length} at byte ${at}: ${why} (${excerpt})`);
    };
    const headEnd = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd === -1) fail('the header section never ends');
    const [statusLine, ...fieldLines] = bytes.toString('latin1', at, headEnd).split('\r\n');
    const status = STATUS_LINE.exec(statusLine!);
    if (status === null) fail(`bad status line ${JSON.stringify(statusLine)}`);
    const code = Number(status![1]);
    if (STATUS_REASONS[code] !== status![2]) fail(`status ${code} has reason "${status![2]}", not "${STATUS_REASONS[code]}"`);
    const headers: Array<[string, string]> = [];
    for (const line of fieldLines) {
      const field = FIELD_LINE.exec(line);
      if (field === null) fail(`bad field line ${JSON.stringify(line)}`);
      headers.push([field![1]!.toLowerCase(), field![2]!]);
    }
    for (const name of SINGLE_FIELDS) {
      const count = headers.filter(([n]) => n === name).length;
      if (count !== 1) fail(`${count} ${name} fields`);
    }
    if (headers.some(([name]) => name === 'transfer-encoding')) fail('a Transfer-Encoding field');
    const contentLength = headers.find(([name]) => name === 'content-length')![1];
    if (!/^\d+$/.test(contentLength)) fail(`Content-Length "${contentLength}"`);
    const bodyStart = headEnd + 4;
    const bodyEnd = bodyStart + (isHeadAnswer(responses.length) ? 0 : Number(contentLength));
    if (bodyEnd > bytes.length) fail(`the body is ${bytes.length - bodyStart} of ${contentLength} bytes`);
    responses.push({ status: code, headers, body: bytes.subarray(bodyStart, bodyEnd) });
    at = bodyEnd;
  }
  return responses;
}

export function headerOf(response: StrictResponse, name: string): string | undefined {
  return response.headers.find(([n]) => n === name)?.[1];
}
