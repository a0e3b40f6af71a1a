// The numbers at a glance: throughput, latency and queue-wait percentiles of this run, queue length,
// open connections, errors, and the old events the flight recorder dropped to stay within its bounds.

import { memo, type ReactNode } from 'react';
import { RATE_WINDOW_MS } from '../../shared/request-stats';
import { useAppStore } from '../store/use-app-store';
import { formatClockTime, formatCount, formatDurationMs, formatRate, pluralize } from './format';

interface TileProps {
  label: string;
  testId: string;
  value: string;
  hint?: string;
  tone?: 'warn' | 'bad';
  /** Left out in presentation mode, which keeps the few numbers a class follows. */
  isSecondary?: boolean;
}

/** Memo: a publish that moves one number re-renders its tile, not all eleven. */
const Tile = memo(function Tile({ label, testId, value, hint, tone, isSecondary = false }: TileProps): ReactNode {
  const classes = ['stat', tone ? `tone-${tone}` : '', isSecondary ? 'is-secondary' : ''].filter(Boolean).join(' ');
  return (
    <div className={classes} title={hint}>
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
});

const LATENCY_HINT = 'Received → response sent, all routes (under a single thread, from the connection’s accept: it waited unread)';
const WAIT_HINT = 'Time a job waited in the queue, all routes (under a single thread, its connection’s wait to be read too)';

export function StatsStrip(): ReactNode {
  const rps = useAppStore((s) => s.stats.requestsPerSecond);
  const latency = useAppStore((s) => s.stats.latencyMs);
  const wait = useAppStore((s) => s.stats.waitMs);
  const serverErrors = useAppStore((s) => s.stats.serverErrors);
  const clientErrors = useAppStore((s) => s.stats.clientErrors);
  const waitedTooLong = useAppStore((s) => s.stats.waitedTooLong);
  // The run shown's (in a replay, the recorded run's); the server's own before any run's first frame.
  const maxWaitMs = useAppStore((s) => (s.wire.runSettings ?? s.wire.status.settings).maxWaitMs);
  const finished = useAppStore((s) => s.stats.finishedCount);
  // Under a single thread what waits is connections, unread (the queue panel lists them).
  const queueLength = useAppStore((s) => s.wire.queueLength + s.wire.waitingConnectionCount);
  const connections = useAppStore((s) => s.wire.counters.openConnections);
  const dropped = useAppStore((s) => s.wire.droppedEvents);
  const historyStartAt = useAppStore((s) => s.wire.historyStartAt);

  return (
    <section className="stats panel" aria-label="Statistics">
      <Tile
        label="Requests/s"
        testId="stat-rps"
        value={formatRate(rps)}
        hint={`${pluralize(finished, 'response')} this run; the rate is averaged over the last ${RATE_WINDOW_MS / 1_000} s, and 0 while the server is stopped`}
      />
      <Tile label="Latency p50" testId="stat-p50" value={formatDurationMs(latency?.p50)} hint={LATENCY_HINT} />
      <Tile label="p95" testId="stat-p95" isSecondary value={formatDurationMs(latency?.p95)} hint={LATENCY_HINT} />
      <Tile label="p99" testId="stat-p99" value={formatDurationMs(latency?.p99)} hint={LATENCY_HINT} />
      <Tile label="Wait p50" testId="stat-wait-p50" isSecondary value={formatDurationMs(wait?.p50)} hint={WAIT_HINT} />
      <Tile label="Wait p99" testId="stat-wait-p99" value={formatDurationMs(wait?.p99)} hint={WAIT_HINT} />
      <Tile label="Queue" testId="stat-queue" value={formatCount(queueLength)} tone={queueLength > 0 ? 'warn' : undefined} />
      <Tile
        label="Connections"
        testId="stat-connections"
        isSecondary
        value={formatCount(connections)}
        hint="TCP connections open right now"
      />
      <Tile
        label="Errors"
        testId="stat-errors"
        value={formatCount(serverErrors)}
        hint={`Responses with status 5xx this run (${formatCount(clientErrors)} more were 4xx)`}
        tone={serverErrors > 0 ? 'bad' : undefined}
      />
      <Tile
        label="Waited too long"
        testId="stat-waited-too-long"
        isSecondary
        value={formatCount(waitedTooLong)}
        hint={
          maxWaitMs === 0
            ? 'Requests answered 503 because their job waited too long for a worker; the server runs with no limit on the wait'
            : `Requests answered 503 this run because their job waited ${formatDurationMs(maxWaitMs)} without a worker taking it (counted in Errors too)`
        }
        tone={waitedTooLong > 0 ? 'bad' : undefined}
      />
      <Tile
        label="Dropped events"
        testId="stat-dropped"
        isSecondary
        value={formatCount(dropped)}
        hint={`Old events the flight recorder dropped to stay within its bounds (--history-s, --history-events)${
          historyStartAt === null ? '' : `: its history starts at ${formatClockTime(historyStartAt)}`
        }. The timeline keeps counting what they did in its buckets; their requests' details are gone.`}
      />
    </section>
  );
}
