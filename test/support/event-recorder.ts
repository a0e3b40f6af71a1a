// Records a server's events and lets a test wait for a condition on them: assertions come from
// what the server says happened, not from sleeps.

import { EventStream } from '../../src/server/event-stream';
import type { ServerEvent, ServerEventOf, ServerEventType } from '../../src/shared/events';
import { Changes } from './changes';

export class EventRecorder {
  readonly events: ServerEvent[] = [];
  private readonly changes = new Changes();

  /** Records `stream`: a fresh one to hand to a server or pool, or one that already exists (a controller's). */
  constructor(readonly stream = new EventStream()) {
    this.stream.subscribe((event) => {
      this.events.push(event);
      this.changes.notify();
    });
  }

  of<T extends ServerEventType>(type: T): ServerEventOf<T>[] {
    return this.events.filter((e): e is ServerEventOf<T> => e.type === type);
  }

  /** Waits until `predicate` holds over the recorded events (the test's own timeout bounds it). */
  until(predicate: (recorder: EventRecorder) => boolean): Promise<void> {
    return this.changes.until(() => predicate(this));
  }

  count<T extends ServerEventType>(type: T, filter: (e: ServerEventOf<T>) => boolean = () => true): number {
    return this.of(type).filter(filter).length;
  }
}

/**
 * The first event (or pool fact) stamped earlier than the one before it, in words; null when all are in time
 * order, as the run file and the timeline require.
 */
export function outOfTimeOrder(events: readonly { type: string; at: number }[]): string | null {
  for (let i = 1; i < events.length; i++) {
    const [before, after] = [events[i - 1]!, events[i]!];
    if (after.at < before.at) return `${after.type} (#${i}) is ${before.at - after.at} ms earlier than the ${before.type} before it`;
  }
  return null;
}
