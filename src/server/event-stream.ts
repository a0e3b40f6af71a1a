// The server's one typed event stream: emit sites, the clock, and subscribers.
// Emitting is free when nobody listens: a subscriber names the event types it wants (or takes them all),
// and an emit site tests `wants[type]` before it builds an event, so an event nobody asked for is never
// built. Listeners are synchronous and must be cheap: anything slow (IPC, WebSocket, stdout) buffers
// behind its own bound, so a slow observer can never stall the server.

import { performance } from 'node:perf_hooks';
import { SERVER_EVENT_FIELDS, type ServerEvent, type ServerEventType } from '../shared/events';

export type ServerEventListener = (event: ServerEvent) => void;

const EVENT_TYPES = Object.keys(SERVER_EVENT_FIELDS) as ServerEventType[];
/** Read once: `performance.timeOrigin` is a getter into native code, and every event's `at` needs it. */
const TIME_ORIGIN_MS = performance.timeOrigin;

type ListenersByType = { [T in ServerEventType]: ServerEventListener[] };

function noListeners(): ListenersByType {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, []])) as unknown as ListenersByType;
}

export class EventStream {
  /** True while anyone listens to anything. */
  isObserved = false;
  /**
   * Per event type: does anyone listen to it? Emit sites check the one they would emit before building it.
   * One object, updated in place, so a reader may keep it.
   */
  readonly wants: { [T in ServerEventType]: boolean } = Object.fromEntries(EVENT_TYPES.map((type) => [type, false])) as {
    [T in ServerEventType]: boolean;
  };
  /** The latest `at` emitted: atOfPast() never stamps earlier. */
  private lastAt = Number.NEGATIVE_INFINITY;
  private subscriptions: Array<{ listener: ServerEventListener; types: ReadonlySet<ServerEventType> | null }> = [];
  private listeners: ListenersByType = noListeners();

  /** The one clock: every `at` in the stream comes from here (ms since the Unix epoch, fractional). */
  now(): number {
    return TIME_ORIGIN_MS + performance.now();
  }

  /** The event clock's time of a performance.now() reading taken earlier on this thread (the pool keeps its times so). */
  atOf(performanceNowMs: number): number {
    return TIME_ORIGIN_MS + performanceNowMs;
  }

  /**
   * The event clock's time of something that happened at an earlier performance.now() reading, maybe on a
   * worker thread (a job's claim or finish), and is emitted only now: never earlier than an event already
   * emitted, since the stream's times never go back (a run file must be in time order).
   */
  atOfPast(performanceNowMs: number): number {
    return Math.max(TIME_ORIGIN_MS + performanceNowMs, this.lastAt);
  }

  /**
   * Calls `listener` with every event of the given types (every event when `types` is omitted), in order.
   * Returns the unsubscribe function.
   */
  subscribe(listener: ServerEventListener, types?: readonly ServerEventType[]): () => void {
    const subscription = { listener, types: types === undefined ? null : new Set(types) };
    this.subscriptions = [...this.subscriptions, subscription];
    this.rebuild();
    return () => {
      this.subscriptions = this.subscriptions.filter((s) => s !== subscription);
      this.rebuild();
    };
  }

  emit(event: ServerEvent): void {
    if (event.at > this.lastAt) this.lastAt = event.at;
    // Copy-on-write lists: a listener that unsubscribes during emit does not disturb this loop.
    const listeners = this.listeners[event.type];
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(event);
      } catch (error) {
        // An observer's bug must never take the server down; report it and carry on.
        process.emitWarning(`Poolscope event listener threw: ${(error as Error)?.stack ?? String(error)}`);
      }
    }
  }

  /** Per-type lists in subscription order, and the flags emit sites read. */
  private rebuild(): void {
    const listeners = noListeners();
    for (const { listener, types } of this.subscriptions) {
      for (const type of EVENT_TYPES) if (types === null || types.has(type)) listeners[type].push(listener);
    }
    this.listeners = listeners;
    for (const type of EVENT_TYPES) this.wants[type] = listeners[type].length > 0;
    this.isObserved = this.subscriptions.length > 0;
  }
}
