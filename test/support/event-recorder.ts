// Records a server's events and lets a test wait for a condition on them: assertions come from
// what the server says happened, not from sleeps.

import { EventStream } from '../../src/server/event-stream';
import type { ServerEvent, ServerEventOf, ServerEventType } from '../../src/shared/events';

export class EventRecorder {
  readonly events: ServerEvent[] = [];
  readonly stream = new EventStream();
  private waiters: Array<() => void> = [];

  constructor() {
    this.stream.subscribe((event) => {
      this.events.push(event);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  of<T extends ServerEventType>(type: T): ServerEventOf<T>[] {
    return this.events.filter((e): e is ServerEventOf<T> => e.type === type);
  }

  /** Waits until `predicate` holds over the recorded events (the test's own timeout bounds it). */
  async until(predicate: (recorder: EventRecorder) => boolean): Promise<void> {
    while (!predicate(this)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  count<T extends ServerEventType>(type: T, filter: (e: ServerEventOf<T>) => boolean = () => true): number {
    return this.of(type).filter(filter).length;
  }
}
