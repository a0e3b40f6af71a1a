// Bench scenario `load-accuracy` (npm run bench -- --only load-accuracy): how faithfully the open-loop load
// generator keeps its schedule. 5,000 GET / per second at constant spacing against the Poolscope child
// process, after a warm-up; the row is the achieved send rate against the target (must be within 1 %),
// with the p99 lateness of sends against the schedule beside it.
//
// Lateness of a send = the moment the request was written to a connection − its scheduled time: the
// generator's timer granularity and event-loop delays, plus any wait for a free connection (100 connections
// against a server answering in about a millisecond leave none to wait for). Timer lateness, beside it, is
// the generator's part alone (scheduled time → issued); when send lateness is far above it, the server was
// too slow for 5,000 req/s on this machine and requests queued client-side for a connection.

import { startLoad } from '../src/load/load-generator';
import type { LoadReport } from '../src/shared/load-report';
import { validateLoadSettings } from '../src/shared/load-settings';
import type { ScenarioReport } from './run';

export const LOAD_ACCURACY_RATE_PER_S = 5_000;
export const LOAD_ACCURACY_MAX_DEVIATION = 0.01;
const CONNECTIONS = 100;
/** A cold server and client (JIT, 100 fresh connections, worker threads) fall well short for the first seconds. */
const MIN_WARMUP_S = 3;

/** A row of the bench's results table, with the generator's whole report for results/latest.json. */
export type LoadAccuracyReport = ScenarioReport & { loadReport: LoadReport };

function load(port: number, durationS: number): Promise<LoadReport> {
  const settings = validateLoadSettings({
    url: `http://127.0.0.1:${port}`,
    ratePerS: LOAD_ACCURACY_RATE_PER_S,
    durationS,
    arrivals: 'constant',
    mix: '/',
    connections: CONNECTIONS,
    seed: 1,
  });
  if (!settings.ok) throw new Error(`${settings.field}: ${settings.error}`);
  return startLoad(settings.value).done;
}

const ms = (value: number | undefined) => `${(value ?? Number.NaN).toFixed(2)} ms`;

export async function measureLoadAccuracy(port: number, config: { durationS: number; warmupS: number }): Promise<LoadAccuracyReport> {
  console.log(
    `\nload accuracy: ${LOAD_ACCURACY_RATE_PER_S.toLocaleString('en-US')} GET / per second, constant spacing, ${CONNECTIONS} connections`,
  );
  await load(port, Math.max(config.warmupS, MIN_WARMUP_S));
  const report = await load(port, config.durationS);
  const ratio = report.achievedRatePerS / LOAD_ACCURACY_RATE_PER_S;
  const note = [
    `send lateness p50 ${ms(report.sendLateness?.p50Ms)}, p99 ${ms(report.sendLateness?.p99Ms)}, max ${ms(report.sendLateness?.maxMs)}`,
    `timer lateness p99 ${ms(report.issueLateness?.p99Ms)}`,
    `latency p99 ${ms(report.latency?.p99Ms)}`,
    `${report.errors} errors`,
  ].join(', ');
  console.log(
    `  sent ${report.written} in ${config.durationS} s: ${report.achievedRatePerS.toFixed(1)} req/s (${((ratio - 1) * 100).toFixed(2)} %); ${note}`,
  );
  return {
    id: 'load-accuracy',
    title: `load generator at ${LOAD_ACCURACY_RATE_PER_S.toLocaleString('en-US')} req/s`,
    unit: 'req/s',
    poolscope: report.achievedRatePerS,
    baseline: LOAD_ACCURACY_RATE_PER_S,
    baselineLabel: 'target',
    ratio,
    target: `1.00× ± ${LOAD_ACCURACY_MAX_DEVIATION * 100} %`,
    isMet: Math.abs(ratio - 1) <= LOAD_ACCURACY_MAX_DEVIATION && report.errors === 0,
    note,
    loadReport: report,
  };
}
