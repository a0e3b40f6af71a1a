// Which events a recorder switched on and off under load is handed, so that it sees every request it sees at all
// whole (received, queued, run, answered), as the app's recorder, on for the whole run, does. Pure: bench/servers.ts's
// `toggle record-whole` runs the recorder through it, test/bench-whole-requests.test.ts checks it.

import type { ServerEvent } from '../src/shared/events';

/**
 * A gate in front of a recorder that is switched on and off while the server runs. Switched on with open(), it lets
 * through the events of the requests received from then on, and none of those already in flight (their jobs, their
 * answers: events a recorder that missed their start would derive for requests it never saw). Switched off with
 * close(), it lets no new request in but still lets through the rest of those it let in, until isDrained: only then
 * may the recorder be detached, leaving no request half-recorded. Events of no request (connections, workers, the
 * server) always pass. The server numbers requests in the order it receives them (src/server/server.ts), so the
 * requests let in are a few stretches of ids, one per open() since the gate was last drained, not a set.
 */
export class WholeRequestGate {
  /** The stretches of ids let in, [froms[i], ends[i]): the last one's end is +Infinity while open, its from too until a request arrives. */
  private readonly froms: number[] = [];
  private readonly ends: number[] = [];
  private isOpenNow = false;
  /** The highest request id the server has received (or rejected unread) while the gate watched, let in or not. */
  private seenId = Number.NEGATIVE_INFINITY;
  /** Requests let in and not answered yet. */
  private inFlight = 0;

  /** Lets in the requests received from now on (and still lets in the rest of those let in before, if not drained). */
  open(): void {
    if (this.isOpenNow) return;
    if (this.inFlight === 0) this.forget();
    this.froms.push(Number.POSITIVE_INFINITY);
    this.ends.push(Number.POSITIVE_INFINITY);
    this.isOpenNow = true;
  }

  /** Lets no new request in; the ones already in still pass until answered (isDrained). */
  close(): void {
    if (!this.isOpenNow) return;
    this.isOpenNow = false;
    const last = this.froms.length - 1;
    if (this.froms[last] === Number.POSITIVE_INFINITY) {
      this.froms.pop();
      this.ends.pop();
    } else {
      this.ends[last] = this.seenId + 1;
    }
  }

  /** Forgets the requests let in (a recorder detached before they drained: what it holds of them is half). */
  forget(): void {
    this.froms.length = 0;
    this.ends.length = 0;
    this.inFlight = 0;
    if (this.isOpenNow) {
      this.froms.push(Number.POSITIVE_INFINITY);
      this.ends.push(Number.POSITIVE_INFINITY);
    }
  }

  get isOpen(): boolean {
    return this.isOpenNow;
  }

  /** Closed, and every request it let in was answered: a recorder behind it has no request half-recorded. */
  get isDrained(): boolean {
    return !this.isOpenNow && this.inFlight === 0;
  }

  /** Requests let in and not answered yet. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Whether the recorder is handed `event`; call it for every event the server emits while the recorder is attached. */
  admit(event: ServerEvent): boolean {
    switch (event.type) {
      case 'request-received':
        return this.arrived(event.requestId);
      case 'request-rejected':
        // A request the server never read (a parse error, a header timeout) is new with its rejection.
        return event.requestId > this.seenId ? this.arrived(event.requestId) : this.isLetIn(event.requestId);
      case 'response-sent':
        if (!this.isLetIn(event.requestId)) return false;
        this.inFlight--;
        return true;
      case 'job-queued':
      case 'job-started':
      case 'job-finished':
      case 'job-abandoned':
      case 'thread-started':
        return this.isLetIn(event.requestId);
      default:
        return true;
    }
  }

  private arrived(requestId: number): boolean {
    if (requestId > this.seenId) this.seenId = requestId;
    if (!this.isOpenNow) return false;
    const last = this.froms.length - 1;
    if (this.froms[last] === Number.POSITIVE_INFINITY) this.froms[last] = requestId;
    this.inFlight++;
    return true;
  }

  private isLetIn(requestId: number): boolean {
    if (requestId > this.seenId) return false;
    // The newest stretch first: the live requests are there.
    for (let i = this.froms.length - 1; i >= 0; i--) {
      if (requestId >= this.froms[i]! && requestId < this.ends[i]!) return true;
    }
    return false;
  }
}
