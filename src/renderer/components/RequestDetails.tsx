// The request under the pointer or the keyboard focus in the timeline (else the one pinned): what it asked
// for, where it came from, and where its time went; or, for a bucket of dense jobs, the requests in it as
// the flight recorder answered (a bounded list, with how many there are in all).

import type { ReactNode } from 'react';
import { burstTagOf } from '../../shared/events';
import { describeAbandonReason, threadNameOf, threadPhraseOf } from '../../shared/pool-model';
import { describeRejection } from '../../shared/rejections';
import { useAppStore } from '../store/use-app-store';
import type { BucketRequests } from '../store/wire-slice';
import { formatClockTime, formatCount, formatDurationMs } from './format';
import { useNow } from './use-now';

/**
 * A request's wait as the stats count it: under a single thread the wait began before the request was read, with its
 * connection's, unread.
 */
function withConnectionWait(jobWaitMs: number | null, connectionWaitMs: number | null): number | null {
  return connectionWaitMs === null ? jobWaitMs : connectionWaitMs + (jobWaitMs ?? 0);
}

function Durations({
  receivedAt,
  queuedAt,
  startedAt,
  finishedAt,
  sentAt,
  waitMs,
  runMs,
  connectionWaitMs,
}: {
  receivedAt: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  sentAt: number | null;
  waitMs: number | null;
  runMs: number | null;
  /** Strategy 'single': its connection's wait, unread, for the thread, before receivedAt; null when it did not wait. */
  connectionWaitMs: number | null;
}): ReactNode {
  const isOpen = sentAt === null;
  const now = useNow(isOpen ? 100 : 60_000);
  const wait = withConnectionWait(waitMs ?? (queuedAt !== null ? (startedAt ?? now) - queuedAt : null), connectionWaitMs);
  // The run as its bar and label in the timeline show it, from its start to the worker's end; the worker's own measure
  // leaves out its wake-up after the dispatch, shown beside it where the two differ.
  const span = startedAt !== null ? (finishedAt ?? now) - startedAt : null;
  const run = span ?? runMs;
  const jobMs = finishedAt !== null && span !== null && runMs !== null && Math.abs(span - runMs) >= 1 ? runMs : null;
  const total = (sentAt ?? now) - receivedAt + (connectionWaitMs ?? 0);
  return (
    <>
      <dt>Wait</dt>
      <dd data-testid="detail-wait" data-connection-wait-ms={connectionWaitMs ?? undefined}>
        {formatDurationMs(wait)}
        {connectionWaitMs !== null && <span className="muted"> (its connection unread, for the single thread)</span>}
      </dd>
      <dt>Run</dt>
      <dd data-testid="detail-run">
        {formatDurationMs(run)}
        {jobMs !== null && <span className="muted"> ({formatDurationMs(jobMs)} in the job itself)</span>}
      </dd>
      <dt>Total</dt>
      <dd data-testid="detail-total">
        {formatDurationMs(total)}
        {isOpen && ' so far'}
      </dd>
    </>
  );
}

/** A bucket's requests, shown at most this many (the bridge asks for a few more). */
const MAX_BUCKET_REQUESTS_SHOWN = 20;

function BucketDetails({ bucketRequests }: { bucketRequests: BucketRequests }): ReactNode {
  const selectRequest = useAppStore((s) => s.viewActions.selectRequest);
  // The lane as its label names it: after the newest run's server.
  const strategy = useAppStore((s) => s.wire.strategy);
  const { bucket, requests, total, isPartlyBeforeHistory, error } = bucketRequests;
  const shown = (requests ?? []).slice(0, MAX_BUCKET_REQUESTS_SHOWN);
  return (
    <div className="bucket-details" data-testid="bucket-requests" data-worker-id={bucket.workerId} data-total={total}>
      <p className="muted">
        {threadNameOf(strategy, bucket.workerId)}, {formatClockTime(bucket.fromAt)} to {formatClockTime(bucket.toAt)}:{' '}
        {requests === null ? 'asking the server…' : error !== null ? error : `${formatCount(total)} requests`}
        {isPartlyBeforeHistory && ' (part of it is older than the history: those requests are gone)'}
      </p>
      {shown.length > 0 && (
        <ol className="bucket-request-list">
          {shown.map((request) => (
            <li key={`${request.runId}:${request.id}`} data-testid="bucket-request" data-request-id={request.id}>
              <button type="button" className="link-button" onClick={() => selectRequest(request.id)}>
                #{request.id} {request.method} {request.target}
              </button>{' '}
              <span className="muted">
                {request.status ?? 'running'} · waited {formatDurationMs(withConnectionWait(request.waitMs, request.connectionWaitMs))} ·
                ran {formatDurationMs(request.runMs)}
              </span>
            </li>
          ))}
          {total > shown.length && <li className="muted">+{formatCount(total - shown.length)} more</li>}
        </ol>
      )}
    </div>
  );
}

export function RequestDetails(): ReactNode {
  const request = useAppStore((s) => s.wire.inspectedRequest);
  const bucketRequests = useAppStore((s) => s.wire.bucketRequests);
  const selectedId = useAppStore((s) => s.view.selectedRequestId);
  const selectedBucket = useAppStore((s) => s.view.selectedBucket);
  const selectRequest = useAppStore((s) => s.viewActions.selectRequest);
  const selectBucket = useAppStore((s) => s.viewActions.selectBucket);
  // A burst's User-Agent, `poolscope-burst/1 (burst 9 of 8)`, reads as the 9th of 8: said in words beside it.
  const burst = burstTagOf(request?.userAgent ?? null);
  if (request === null && bucketRequests !== null) {
    return (
      <section className="panel details-panel" aria-label="Request details" data-testid="request-details">
        <div className="panel-head">
          <h2>Requests in a bucket</h2>
          {selectedBucket !== null && (
            <button type="button" className="link-button" onClick={() => selectBucket(null)}>
              Clear
            </button>
          )}
        </div>
        <BucketDetails bucketRequests={bucketRequests} />
      </section>
    );
  }
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
            {burst !== null && (
              <div className="muted" data-testid="detail-burst">
                the app's burst #{burst.burstId}, {formatCount(burst.size)} requests
              </div>
            )}
          </dd>
          <dt>Status</dt>
          <dd data-testid="detail-status" className={request.status !== null && request.status >= 400 ? 'bad' : undefined}>
            {request.status ?? (request.startedAt === null ? 'queued' : 'running')}
            {request.abandonReason && ` ${describeAbandonReason(request.abandonReason)}`}
            {request.errorCode && ` (${request.errorCode})`}
            {request.errorCode && describeRejection(request.errorCode) !== null && (
              <div className="refusal-reason" data-testid="detail-refusal">
                {describeRejection(request.errorCode)}
              </div>
            )}
            {request.workerId !== null && <span className="muted"> on {threadPhraseOf(request.strategy, request.workerId)}</span>}
          </dd>
          <Durations {...request} />
        </dl>
      ) : (
        <p className="empty">Hover, click or focus a job in the timeline to see its request, or a busy stretch to list its requests.</p>
      )}
    </section>
  );
}
