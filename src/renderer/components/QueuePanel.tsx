// The jobs waiting for a worker, oldest first, with how long each has waited. The store holds at most
// the first of them; the rest are a count. At a high rate, how many wait and the oldest's wait instead of a
// list that flickers. Empty, it says how full it got in the timeline's window. Under 'single', the connections
// accepted and not yet read come first: they wait for the one thread before any job of theirs exists. Under
// 'per-request' what waits is each request's new thread, starting.

import type { ReactNode } from 'react';
import type { Strategy } from '../../shared/settings';
import { MAX_FRAME_QUEUE_JOBS } from '../../shared/wire';
import { useAppStore } from '../store/use-app-store';
import { MAX_QUEUE_ITEMS_SHOWN, type QueueItemView, type WaitingConnectionView } from '../store/wire-slice';
import { useAppServices } from './app-services';
import { BookTerm, type BookTermPlace } from './book-terms';
import { formatCount, formatDurationMs, formatWindowMs, pluralize } from './format';
import { isWaitingForMainThread, MAIN_THREAD_BOUND_WORDS } from './queue-notes';
import { type WaitKind, waitKindOf } from './timeline-frame';
import { useNow } from './use-now';

function QueueList({ items }: { items: QueueItemView[] }): ReactNode {
  const now = useNow(items.length > 50 ? 250 : 100);
  return (
    <>
      {items.map((item, position) => (
        <li
          key={item.requestId}
          className="queue-item"
          data-testid="queue-item"
          data-request-id={item.requestId}
          data-origin={item.origin}
          data-queued-at={item.queuedAt}
        >
          <span className="queue-pos">{position + 1}</span>
          <span className="method">{item.method}</span>
          <span className="target" title={item.target}>
            {item.target}
          </span>
          <span className={`origin origin-${item.origin}`}>{item.origin}</span>
          <span className="waited">{formatDurationMs(now - item.queuedAt)}</span>
        </li>
      ))}
    </>
  );
}

function WaitingConnectionList({ connections }: { connections: WaitingConnectionView[] }): ReactNode {
  const now = useNow(100);
  return (
    <>
      {connections.map((c) => (
        <li
          key={c.connectionId}
          className="queue-item waiting-connection"
          data-testid="waiting-connection"
          data-connection-id={c.connectionId}
          data-since-ms={c.since}
        >
          <span className="queue-pos">#{c.connectionId}</span>
          <span className="target" title={`Connection ${c.connectionId} from ${c.remoteAddress}:${c.remotePort}`}>
            {c.remoteAddress}:{c.remotePort}
          </span>
          {/* The heading above says they wait. */}
          <span className="muted">not yet read</span>
          <span className="waited">{formatDurationMs(now - c.since)}</span>
        </li>
      ))}
    </>
  );
}

/**
 * Strategy 'single': the connections the one thread has not read yet, oldest (next) first. No request of theirs is
 * known: the thread reads it only once it is done with the connection before.
 */
function WaitingConnections(): ReactNode {
  const connections = useAppStore((s) => s.wire.waitingConnections);
  const count = useAppStore((s) => s.wire.waitingConnectionCount);
  if (count === 0) return null;
  const hiddenCount = count - connections.length;
  return (
    <>
      <h3 className="waiting-connections-head" data-testid="waiting-connections" data-count={count}>
        {pluralize(count, 'connection')} waiting for the single thread
      </h3>
      <BookTerm place="waiting-connection" />
      <ol className="queue-list waiting-connections" aria-label="Connections waiting, not yet read">
        <WaitingConnectionList connections={connections} />
        {hiddenCount > 0 && <li className="queue-more">+{formatCount(hiddenCount)} more</li>}
      </ol>
    </>
  );
}

const NOTHING_WAITED_WORDS: Record<WaitKind, string> = {
  job: 'no job waited',
  connection: 'no connection waited for the single thread',
  'thread-start': 'no request waited for its thread',
};

const PEAK_WORDS: Record<WaitKind, string> = {
  job: 'waiting',
  connection: 'connections waiting for the single thread',
  'thread-start': 'waiting for their threads',
};

/** How often the empty queue's look back is recomputed. */
const RECENT_REFRESH_MS = 1_000;

/**
 * The empty queue's true story: empty now, and how full it got over the timeline's window (live, ending now),
 * so a queue that held four sleepers a moment ago does not read as if every job found a free worker.
 */
function EmptyQueue(): ReactNode {
  const { bridge } = useAppServices();
  const windowMs = useAppStore((s) => s.view.timelineWindowMs);
  const hasRun = useAppStore((s) => s.wire.listeningAt !== null);
  const strategy = useAppStore((s) => s.wire.strategy);
  const now = useNow(RECENT_REFRESH_MS);
  // The width only sets the level of detail, which the peak and the longest wait do not depend on.
  const { queue } = bridge.timeline({ fromAt: now - windowMs, toAt: now, now, plotWidthPx: 1 });
  const over = `in the last ${formatWindowMs(windowMs)}`;
  let past: string;
  if (!hasRun && queue.peakLength === 0) past = '';
  else if (queue.peakLength === 0) past = ` · ${NOTHING_WAITED_WORDS[waitKindOf(strategy)]} ${over}`;
  else {
    // The longest wait where the timeline knows it; where it lists none (every wait under a pixel, or too many), the mean.
    const wait =
      queue.longestWaitMs !== null
        ? `, longest wait ${formatDurationMs(queue.longestWaitMs, { isPrecise: true })}`
        : queue.meanWaitMs !== null
          ? `, mean wait ${formatDurationMs(queue.meanWaitMs, { isPrecise: true })}`
          : '';
    past = ` · peak ${formatCount(queue.peakLength)} ${PEAK_WORDS[waitKindOf(strategy)]}${wait} ${over}`;
  }
  return (
    <p className="empty" data-testid="queue-empty">
      Empty now{past}
    </p>
  );
}

/** At a high rate jobs pass through the queue faster than a list can show them: how many wait, and the oldest's wait. */
function QueueSummary({ queueLength }: { queueLength: number }): ReactNode {
  const oldestWaitMs = useAppStore((s) => s.wire.oldestWaitMs);
  return (
    <p className="queue-summary" data-testid="queue-summary" data-queue-length={queueLength} data-oldest-wait-ms={oldestWaitMs ?? ''}>
      {pluralize(queueLength, 'job')} waiting
      {oldestWaitMs !== null && <>, the oldest for {formatDurationMs(oldestWaitMs, { isPrecise: true })}</>}
    </p>
  );
}

/** Jobs waiting beside idle workers at saturation wait for the main thread: said under the queue (queue-notes.ts). */
function MainThreadNote(): ReactNode {
  const isShown = useAppStore((s) => isWaitingForMainThread(s.wire));
  if (!isShown) return null;
  return (
    <p className="queue-note" data-testid="queue-main-thread-note">
      {MAIN_THREAD_BOUND_WORDS}
    </p>
  );
}

/** What waits under each server: connections in the backlog (single), nothing (per-request), jobs in the channel. */
function queueBookTerm(strategy: Strategy | null): BookTermPlace {
  if (strategy === 'single') return 'queue-single';
  if (strategy === 'per-request') return 'queue-per-request';
  return 'queue';
}

export function QueuePanel(): ReactNode {
  const items = useAppStore((s) => s.wire.queue);
  const queueLength = useAppStore((s) => s.wire.queueLength);
  // Strategy 'single': what waits is connections, unread; they are this panel's queue.
  const waitingConnectionCount = useAppStore((s) => s.wire.waitingConnectionCount);
  const isHighRate = useAppStore((s) => s.wire.isHighRate);
  const strategy = useAppStore((s) => s.wire.strategy);
  const hiddenCount = queueLength - items.length;
  return (
    <section className="panel queue-panel" aria-label="Queue">
      <div className="panel-head">
        <h2>Queue</h2>
        <span className="count" data-testid="queue-count">
          {/* A thread per request has no queue: what waits is each request's new thread, starting. */}
          {formatCount(queueLength + waitingConnectionCount)} {strategy === 'per-request' ? 'starting' : 'waiting'}
        </span>
      </div>
      <BookTerm place={queueBookTerm(strategy)} />
      <WaitingConnections />
      {queueLength === 0 ? (
        waitingConnectionCount === 0 && <EmptyQueue />
      ) : isHighRate ? (
        <QueueSummary queueLength={queueLength} />
      ) : (
        <ol
          className="queue-list"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a long queue scrolls, and a keyboard must be able to scroll it too (axe's scrollable-region-focusable).
          tabIndex={0}
          aria-label={`Waiting jobs (showing the first ${Math.min(MAX_QUEUE_ITEMS_SHOWN, MAX_FRAME_QUEUE_JOBS)})`}
        >
          <QueueList items={items} />
          {hiddenCount > 0 && <li className="queue-more">+{formatCount(hiddenCount)} more</li>}
        </ol>
      )}
      <MainThreadNote />
    </section>
  );
}
