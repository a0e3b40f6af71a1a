// How `npm run load` and `npm run sweep` print: the live line, the final tables and the sweep's CSV.
// Text only, from the report types in src/shared; nothing here measures or decides.

import {
  type LatencySummary,
  LOAD_ERROR_KINDS,
  LOAD_ERROR_LABELS,
  type LoadProgress,
  type LoadReport,
  type SweepRow,
} from '../shared/load-report';
import { formatMix, type LoadSettings } from '../shared/load-settings';
import { clientLimitNote, scheduleDrawNote, sweepTableCsv, sweepTableRows } from '../shared/sweep-table';

export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** 0.012 → "0.012", 1.234 → "1.23", 12.34 → "12.3", 1234.5 → "1,235". */
export function formatMs(value: number): string {
  if (value < 0.1) return value.toFixed(3);
  if (value < 10) return value.toFixed(2);
  if (value < 1000) return value.toFixed(1);
  return formatInteger(value);
}

export function formatRate(perS: number): string {
  return perS >= 100 ? formatInteger(perS) : perS.toFixed(1);
}

function formatShare(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)} %`;
}

/** Columns padded to their widest cell; numbers (cells starting with a digit, "-" or "<") right-aligned. */
export function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const isNumeric = (cell: string) => /^[-<\d]/.test(cell);
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => (isNumeric(cell) && i > 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export function describeSettings(settings: LoadSettings): string {
  return (
    `${formatRate(settings.ratePerS)} req/s ${settings.arrivals} for ${settings.durationS} s to ${settings.url}, ` +
    `${settings.connections} connections, mix ${formatMix(settings.mix)}, timeout ${settings.timeoutMs} ms, seed ${settings.seed}`
  );
}

/** One line per progress update: counters, then the last interval's throughput and latency. */
export function formatProgressLine(progress: LoadProgress): string {
  const seconds = (progress.elapsedMs / 1000).toFixed(0).padStart(4);
  const latency = progress.intervalLatency;
  return (
    `${seconds} s  sent ${formatInteger(progress.sent).padStart(7)}  completed ${formatInteger(progress.completed).padStart(7)}` +
    `  errors ${formatInteger(progress.errors).padStart(5)}  in flight ${formatInteger(progress.inFlight).padStart(5)}` +
    `  waiting ${formatInteger(progress.waitingForConnection).padStart(5)}  |  ${formatRate(progress.intervalThroughputPerS).padStart(6)}/s` +
    (latency === null ? '' : `  p50 ${formatMs(latency.p50Ms)} ms  p99 ${formatMs(latency.p99Ms)} ms`)
  );
}

function latencyRow(label: string, summary: LatencySummary | null): string[] {
  if (summary === null) return [label, '-', '-', '-', '-', '-', '0'];
  return [
    label,
    formatMs(summary.p50Ms),
    formatMs(summary.p90Ms),
    formatMs(summary.p99Ms),
    formatMs(summary.p999Ms),
    formatMs(summary.maxMs),
    formatInteger(summary.count),
  ];
}

export function describeStop(report: LoadReport): string {
  switch (report.stop.reason) {
    case 'completed':
      return `Finished: the ${report.settings.durationS} s schedule ran to its end.`;
    case 'cancelled':
      return 'Stopped early (cancelled): a partial report.';
    case 'server-gone':
      return `Stopped early: ${report.stop.message}.`;
  }
}

/** The final report: counts by outcome, rates, latency percentiles. */
export function formatLoadReport(report: LoadReport): string {
  const counts: string[][] = [
    ['requests', 'count'],
    ['sent (came due on the schedule)', formatInteger(report.sent)],
    ['  written to a connection', formatInteger(report.written)],
    ['completed (2xx, 3xx)', formatInteger(report.completed)],
    ['errors', formatInteger(report.errors)],
    ...LOAD_ERROR_KINDS.filter((kind) => report.errorsByKind[kind] > 0).map((kind) => [
      `  ${LOAD_ERROR_LABELS[kind]}`,
      formatInteger(report.errorsByKind[kind]),
    ]),
    ['unfinished (run stopped first)', formatInteger(report.unfinished)],
  ];
  const rates: string[][] = [
    ['rate', 'req/s'],
    ['target', formatRate(report.settings.ratePerS)],
    ['due (the rate the schedule drew)', formatRate(report.dueRatePerS)],
    ['achieved (requests written)', formatRate(report.achievedRatePerS)],
    ['throughput (outcomes)', formatRate(report.throughputPerS)],
  ];
  const latency: string[][] = [
    ['latency, ms', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count'],
    latencyRow('from scheduled send (what users see)', report.latency),
    latencyRow('from actual send (closed-loop view)', report.responseTime),
    latencyRow('send lateness (schedule → written)', report.sendLateness),
  ];
  const statuses = Object.entries(report.statusCounts)
    .map(([status, count]) => `${status} × ${formatInteger(count)}`)
    .join(', ');
  const samples = LOAD_ERROR_KINDS.filter((kind) => report.errorSamples[kind] !== undefined).map(
    (kind) => `  ${LOAD_ERROR_LABELS[kind]}: ${report.errorSamples[kind]}`,
  );
  return [
    describeStop(report),
    '',
    renderTable(counts),
    '',
    renderTable(rates),
    '',
    renderTable(latency),
    '',
    `Responses by status: ${statuses || 'none'}; ${formatInteger(report.connectionsOpened)} connections opened; elapsed ${formatMs(report.elapsedMs)} ms.`,
    ...(samples.length > 0 ? ['First error of each kind:', ...samples] : []),
  ].join('\n');
}

// ── the sweep ────────────────────────────────────────────────────────────────

const optionalMs = (value: number | null) => (value === null ? '-' : formatMs(value));

export function formatSweepTable(rows: readonly SweepRow[]): string {
  const tableRows = sweepTableRows(rows);
  const drawNote = scheduleDrawNote(tableRows, formatRate);
  const notes = tableRows.map((row) => clientLimitNote(row, formatRate)).filter((note) => note !== null);
  const table = renderTable([
    ['workers', 'sent/s', 'done/s', 'p50 ms', 'p99 ms', 'errors', 'S ms', 'ρ', 'P(wait)', 'M/M/c P(wait)', 'Wq ms', 'M/M/c Wq ms'],
    ...tableRows.map((row) => [
      String(row.workers),
      `${formatRate(row.achievedRatePerS)}${row.isClientLimited ? '*' : ''}`,
      formatRate(row.throughputPerS),
      optionalMs(row.p50Ms),
      optionalMs(row.p99Ms),
      formatInteger(row.errors),
      optionalMs(row.meanServiceMs),
      row.utilization === null ? '-' : row.utilization.toFixed(3),
      formatShare(row.measuredProbabilityOfWait),
      formatShare(row.predictedProbabilityOfWait),
      optionalMs(row.measuredMeanWaitMs),
      row.predictedQueueGrowthPerS !== null
        ? `∞ (queue +${formatRate(row.predictedQueueGrowthPerS)}/s)`
        : optionalMs(row.predictedMeanWaitMs),
    ]),
  ]);
  const lines = [table, ...(drawNote === null ? [] : [drawNote]), ...notes.map((note) => `* ${note}`)];
  return lines.join('\n');
}

/** The sweep table as CSV (RFC 4180): a header line, then one line per pool size; empty cells where a value is unknown. */
export function sweepCsv(rows: readonly SweepRow[]): string {
  return sweepTableCsv(sweepTableRows(rows));
}
