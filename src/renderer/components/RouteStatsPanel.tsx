// Numbers to size a pool with: latency and queue wait per route this run (a page and a sleeper never share a
// histogram), and a one-line summary of each recent burst from its own requests, newest first.

import type { ReactNode } from 'react';
import type { PercentilesMs, RouteStats } from '../../shared/request-stats';
import { useAppStore } from '../store/use-app-store';
import { formatCount, formatDurationMs } from './format';
import { burstStateOf, burstSummaryText, routeLabel } from './stats-wording';

const PERCENTILE_COLUMNS = [
  { stat: 'latency', key: 'p50', heading: 'Latency p50' },
  { stat: 'latency', key: 'p95', heading: 'p95' },
  { stat: 'latency', key: 'p99', heading: 'p99' },
  { stat: 'wait', key: 'p50', heading: 'Wait p50' },
  { stat: 'wait', key: 'p99', heading: 'p99' },
] as const;

function percentileOf(row: RouteStats, stat: 'latency' | 'wait', key: keyof PercentilesMs): number | undefined {
  return (stat === 'latency' ? row.latencyMs : row.waitMs)?.[key];
}

function RouteTable(): ReactNode {
  const routes = useAppStore((s) => s.stats.routes);
  if (routes.length === 0) return <p className="empty">No responses yet this run.</p>;
  return (
    <table className="route-table">
      <caption className="visually-hidden">Latency and queue wait per route, this run</caption>
      <thead>
        <tr>
          <th scope="col">Route</th>
          <th scope="col">Answered</th>
          {PERCENTILE_COLUMNS.map((column) => (
            <th
              scope="col"
              key={`${column.stat}-${column.key}`}
              title={column.stat === 'latency' ? 'Received → response sent' : 'Time in the queue'}
            >
              {column.heading}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {routes.map((row) => (
          <tr key={row.route} data-testid="route-stats" data-route={row.route}>
            <th scope="row">{routeLabel(row.route)}</th>
            <td data-stat="count">{formatCount(row.count)}</td>
            {PERCENTILE_COLUMNS.map((column) => (
              <td key={`${column.stat}-${column.key}`} data-stat={`${column.stat}-${column.key}`}>
                {formatDurationMs(percentileOf(row, column.stat, column.key))}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BurstList(): ReactNode {
  const bursts = useAppStore((s) => s.stats.bursts);
  // A burst is summed up from its answers: one still waiting for its first is not here yet, and the words say so
  // rather than ask for a burst that is already running.
  if (bursts.length === 0)
    return (
      <p className="empty" data-testid="bursts-empty">
        Fire a burst to see how long it took and how long its jobs waited; a burst shows here from its first answer.
      </p>
    );
  return (
    <ol className="burst-list">
      {bursts.map((burst) => (
        <li
          key={burst.burstId}
          className="burst-summary"
          data-testid="burst-summary"
          data-burst-id={burst.burstId}
          data-state={burstStateOf(burst)}
        >
          {burstSummaryText(burst)}
        </li>
      ))}
    </ol>
  );
}

export function RouteStatsPanel(): ReactNode {
  return (
    <section className="panel route-stats-panel" aria-label="Latency by route and bursts">
      <div className="route-stats-part">
        <div className="panel-head">
          <h2>By route</h2>
          <span className="count">this run</span>
        </div>
        <RouteTable />
      </div>
      <div className="route-stats-part">
        <div className="panel-head">
          <h2>Bursts</h2>
          <span className="count">newest first</span>
        </div>
        <BurstList />
      </div>
    </section>
  );
}
