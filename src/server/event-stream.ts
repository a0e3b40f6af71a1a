// The server's one typed event stream: emit sites, the clock, and subscribers.
// Emitting is free when nobody listens (emit sites test `isObserved` before building an event),
// and listeners are synchronous and must be cheap: anything slow (IPC, WebSocket, stdout) buffers
// behind its own bound, so a slow observer can never stall the server.

import { performance } from 'node:perf_hooks';
import type { ServerEvent } from '../shared/events';

export type ServerEventListener = (event: ServerEvent) => void;

export class EventStream {
  /** True while anyone listens. Emit sites check it first, so an unwatched server allocates no events. */
  isObserved = false;
  private listeners: ServerEventListener[] = [];

  /** The one clock: every `at` in the stream comes from here (ms since the Unix epoch, fractional). */
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  /** The event clock's time of a performance.now() reading taken earlier on this thread (the pool keeps its times so). */
  atOf(performanceNowMs: number): number {
    return performance.timeOrigin + performanceNowMs;
  }

  subscribe(listener: ServerEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    this.isObserved = true;
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.isObserved = this.listeners.length > 0;
    };
  }

  emit(event: ServerEvent): void {
    // Copy-on-write list: a listener that unsubscribes during emit does not disturb this loop.
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(event);
      } catch (error) {
        // An observer's bug must never take the server down; report it and carry on.
        process.emitWarning(`Poolscope event listener threw: ${(error as Error)?.stack ?? String(error)}`);
      }
    }
  }
}
