// How the statistics read in words: a route's name and the one-line summary of a burst ("8 × /sleep on 4
// workers: done in 10.0 s, p99 10.0 s, 4 waited 5.0 s", "3 × /sleep on the single thread: …"). Pure: the numbers
// come from src/shared/request-stats.ts.

import { burstThreadsOf } from '../../shared/pool-model';
import type { BurstSummary, RouteKey } from '../../shared/request-stats';
import { formatDurationMs as formatAnyDurationMs, formatCount } from './format';

/** Summaries compare runs, so seconds keep their tenths: "10.0 s". */
function formatDurationMs(ms: number): string {
  return formatAnyDurationMs(ms, { isPrecise: true });
}

/** `/` is the page the book serves: "GET /" reads better than a bare slash. */
export function routeLabel(route: RouteKey): string {
  return route === '/' ? 'GET /' : route;
}

/** Whether the burst is still being answered, fully answered, or was cut short by a stop. */
export type BurstState = 'running' | 'done' | 'cut-short';

export function burstStateOf(summary: BurstSummary): BurstState {
  if (summary.isComplete) return 'done';
  return summary.isCutShort ? 'cut-short' : 'running';
}

function waitedWords(summary: BurstSummary): string {
  if (summary.waitedCount === 0 || summary.minWaitedMs === null || summary.maxWaitedMs === null) return 'none waited';
  const shortest = formatDurationMs(summary.minWaitedMs);
  const longest = formatDurationMs(summary.maxWaitedMs);
  return shortest === longest
    ? `${formatCount(summary.waitedCount)} waited ${longest}`
    : `${formatCount(summary.waitedCount)} waited up to ${longest}`;
}

/** Answers other than 200, e.g. "4 × 503": what went wrong, counted. */
function failureWords(summary: BurstSummary): string[] {
  return Object.entries(summary.statusCounts)
    .filter(([status]) => status !== '200')
    .map(([status, count]) => `${formatCount(count)} × ${status === '0' ? 'no status' : status}`);
}

/** The burst in one line, from its own requests. */
export function burstSummaryText(summary: BurstSummary): string {
  const pool = summary.threads === null ? '' : ` on ${burstThreadsOf(summary.threads)}`;
  const head = `${formatCount(summary.size)} × ${routeLabel(summary.route)}${pool}`;
  const state = burstStateOf(summary);
  if (state === 'running') return `${head}: ${formatCount(summary.answered)} of ${formatCount(summary.size)} answered so far…`;
  const parts = [
    state === 'done'
      ? `done in ${formatDurationMs(summary.lastSentAt - summary.firstReceivedAt)}`
      : `${formatCount(summary.size - summary.answered)} never answered (the server stopped)`,
    `p99 ${formatDurationMs(summary.latencyP99Ms)}`,
    waitedWords(summary),
    ...failureWords(summary),
  ];
  return `${head}: ${parts.join(', ')}`;
}
