// The jobs waiting for a worker, oldest first, with how long each has waited. The store holds at most
// MAX_QUEUE_ITEMS_SHOWN of them; the rest are a count.

import type { ReactNode } from 'react';
import { useAppStore } from '../store/use-app-store';
import { MAX_QUEUE_ITEMS_SHOWN, type QueueItemView } from '../store/wire-slice';
import { BookTerm } from './book-terms';
import { formatCount, formatDurationMs } from './format';
import { useNow } from './use-now';

function QueueList({ items }: { items: QueueItemView[] }): ReactNode {
  const now = useNow(items.length > 50 ? 250 : 100);
  return (
    <>
      {items.map((item, position) => (
        <li key={item.requestId} className="queue-item" data-testid="queue-item" data-request-id={item.requestId} data-origin={item.origin}>
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

export function QueuePanel(): ReactNode {
  const items = useAppStore((s) => s.wire.queue);
  const queueLength = useAppStore((s) => s.wire.queueLength);
  const hiddenCount = queueLength - items.length;
  return (
    <section className="panel queue-panel" aria-label="Queue">
      <div className="panel-head">
        <h2>Queue</h2>
        <span className="count" data-testid="queue-count">
          {formatCount(queueLength)} waiting
        </span>
      </div>
      <BookTerm place="queue" />
      {queueLength === 0 ? (
        <p className="empty">Empty: every job found a free worker.</p>
      ) : (
        <ol className="queue-list" aria-label={`Waiting jobs (showing the first ${MAX_QUEUE_ITEMS_SHOWN})`}>
          <QueueList items={items} />
          {hiddenCount > 0 && <li className="queue-more">+{formatCount(hiddenCount)} more</li>}
        </ol>
      )}
    </section>
  );
}
