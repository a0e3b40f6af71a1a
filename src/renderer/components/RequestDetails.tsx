// The request under the pointer or the keyboard focus in the timeline (else the one pinned): what it asked
// for, where it came from, and where its time went.

import type { ReactNode } from 'react';
import { describeAbandonReason } from '../../shared/pool-model';
import { useAppStore } from '../store/use-app-store';
import { formatDurationMs } from './format';
import { useNow } from './use-now';

function Durations({
  receivedAt,
  queuedAt,
  startedAt,
  finishedAt,
  sentAt,
  waitMs,
  runMs,
}: {
  receivedAt: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  sentAt: number | null;
  waitMs: number | null;
  runMs: number | null;
}): ReactNode {
  const isOpen = sentAt === null;
  const now = useNow(isOpen ? 100 : 60_000);
  const wait = waitMs ?? (queuedAt !== null ? (startedAt ?? now) - queuedAt : null);
  const run = runMs ?? (startedAt !== null ? (finishedAt ?? now) - startedAt : null);
  const total = (sentAt ?? now) - receivedAt;
  return (
    <>
      <dt>Wait</dt>
      <dd data-testid="detail-wait">{formatDurationMs(wait)}</dd>
      <dt>Run</dt>
      <dd data-testid="detail-run">{formatDurationMs(run)}</dd>
      <dt>Total</dt>
      <dd data-testid="detail-total">
        {formatDurationMs(total)}
        {isOpen && ' so far'}
      </dd>
    </>
  );
}

export function RequestDetails(): ReactNode {
  const request = useAppStore((s) => s.wire.inspectedRequest);
  const selectedId = useAppStore((s) => s.view.selectedRequestId);
  const selectRequest = useAppStore((s) => s.viewActions.selectRequest);
  return (
    <section className="panel details-panel" aria-label="Request details" data-testid="request-details">
      <div className="panel-head">
        <h2>{request ? `Request #${request.id}` : 'Request'}</h2>
        {selectedId !== null && (
          <button type="button" className="link-button" onClick={() => selectRequest(null)}>
            Clear
          </button>
        )}
      </div>
      {request ? (
        <dl className="details">
          <dt>Method</dt>
          <dd data-testid="detail-method">{request.method}</dd>
          <dt>Path</dt>
          <dd data-testid="detail-path" title={request.target}>
            {request.target}
          </dd>
          <dt>Source</dt>
          <dd data-testid="detail-source">
            <span className={`origin origin-${request.origin}`}>{request.origin}</span> {request.remoteAddress || 'unknown address'}
            <div className="user-agent" title={request.userAgent ?? undefined}>
              {request.userAgent ?? 'no User-Agent'}
            </div>
          </dd>
          <dt>Status</dt>
          <dd data-testid="detail-status" className={request.status !== null && request.status >= 400 ? 'bad' : undefined}>
            {request.status ?? (request.startedAt === null ? 'queued' : 'running')}
            {request.abandonReason && ` ${describeAbandonReason(request.abandonReason)}`}
            {request.errorCode && ` (${request.errorCode})`}
            {request.workerId !== null && <span className="muted"> on worker {request.workerId}</span>}
          </dd>
          <Durations {...request} />
        </dl>
      ) : (
        <p className="empty">Hover, click or focus a job in the timeline to see its request.</p>
      )}
    </section>
  );
}
