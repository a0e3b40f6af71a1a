// Compare… on the main side: runs one scenario against each chosen strategy in turn, each on a fresh server
// started through the controller (so every viewer watches it), waits for every request's answer (bounded by the
// scenario's timeout), stops the server gracefully and keeps the run's own recording of events. Progress is
// reported as CompareActivity (in the live metrics); the comparison itself is answered to a `comparison` query.

import type { CommandResult } from '../shared/commands';
import {
  type CompareActivity,
  type CompareRunProgress,
  type CompareSettings,
  type Comparison,
  type ComparisonRun,
  isComparisonRunning,
  recordedRun,
} from '../shared/compare';
import type { ServerEvent } from '../shared/events';
import { scenarioTimeoutMs } from '../shared/scenarios';
import type { ServerSettings } from '../shared/settings';
import { runScenario } from './scenario-runner';
import type { WorkloadHost } from './workloads';

/** How often the process's memory is read while a run goes on. */
const RSS_SAMPLE_INTERVAL_MS = 50;

/** The part of the server controller a comparison uses: a workload's, and where the server listens. */
export interface CompareHost extends Omit<WorkloadHost, 'restoreSettings'> {
  /** Where the running server listens (host as bound, port resolved); null when none does. */
  readonly listeningAt: { host: string; port: number } | null;
  /** The process's resident memory now, bytes (process.memoryUsage.rss). */
  readRssBytes(): number;
}

export class CompareController {
  private activity: CompareActivity | null = null;
  private comparison: Comparison | null = null;
  private finished: Promise<void> | null = null;
  private cancel: AbortController | null = null;
  private nextCompareId = 1;

  constructor(private readonly host: CompareHost) {}

  get isComparing(): boolean {
    return isComparisonRunning(this.activity);
  }

  /** Progress of the latest comparison, for the live metrics; null before any. */
  get progress(): CompareActivity | null {
    return this.activity;
  }

  /** The latest comparison with each run's events so far; null before any. */
  latest(): Comparison | null {
    return this.comparison;
  }

  start(settings: CompareSettings): CommandResult {
    if (this.isComparing) return { ok: false, error: 'A comparison is already running: cancel it first' };
    const phase = this.host.status.phase;
    if (phase !== 'stopped') {
      return {
        ok: false,
        error: `Stop the server first: Compare starts a fresh server for each strategy (the server is ${phase})`,
      };
    }
    const compareId = this.nextCompareId++;
    const runs: CompareRunProgress[] = settings.strategies.map((strategy) => ({
      strategy,
      state: 'pending',
      closed: 0,
      answered: 0,
      total: settings.scenario.groups.reduce((sum, group) => sum + group.count, 0),
      error: null,
    }));
    this.activity = { compareId, scenario: settings.scenario, phase: 'running', index: 0, runs, isCancelled: false, finishedRunCount: 0 };
    this.comparison = { compareId, scenario: settings.scenario, runs: [], isCancelled: false };
    this.cancel = new AbortController();
    this.finished = this.runAll(settings, this.activity, this.comparison, this.cancel.signal);
    return { ok: true };
  }

  cancelComparison(): CommandResult {
    if (!this.isComparing || this.activity === null) return { ok: false, error: 'No comparison is running' };
    this.activity.isCancelled = true;
    if (this.comparison) this.comparison.isCancelled = true;
    this.cancel?.abort('cancelled');
    return { ok: true };
  }

  /** Cancels a comparison under way and waits for its server to stop. */
  async dispose(): Promise<void> {
    this.cancel?.abort('cancelled');
    await this.finished;
  }

  private async runAll(settings: CompareSettings, activity: CompareActivity, comparison: Comparison, signal: AbortSignal): Promise<void> {
    try {
      for (const [index, progress] of activity.runs.entries()) {
        activity.index = index;
        if (signal.aborted) {
          progress.state = 'cancelled';
          continue;
        }
        activity.phase = 'running';
        const run = await this.runOne({ ...settings.settings, strategy: progress.strategy }, settings, progress, signal, activity);
        comparison.runs.push(run);
        activity.finishedRunCount++;
      }
    } finally {
      activity.phase = 'done';
    }
  }

  private async runOne(
    serverSettings: ServerSettings,
    settings: CompareSettings,
    progress: CompareRunProgress,
    signal: AbortSignal,
    activity: CompareActivity,
  ): Promise<ComparisonRun> {
    const host = this.host;
    const events: ServerEvent[] = [];
    const unsubscribe = host.events.subscribe((event) => events.push(event));
    let peakRssBytes = host.readRssBytes();
    const rssTimer = setInterval(() => {
      peakRssBytes = Math.max(peakRssBytes, host.readRssBytes());
    }, RSS_SAMPLE_INTERVAL_MS);
    rssTimer.unref();
    progress.state = 'running';
    const run = recordedRun(progress.strategy, serverSettings, 'running', events);
    try {
      const started = await host.start(serverSettings);
      const target = host.listeningAt;
      if (!started.ok || target === null) {
        run.state = 'failed';
        run.error = started.ok ? 'The server did not start' : `The server did not start: ${started.error}`;
        return run;
      }
      run.settings = { ...serverSettings, port: target.port };
      const timeoutMs = scenarioTimeoutMs(settings.scenario, serverSettings.sleepMs);
      const report = await runScenario(target, settings.scenario, {
        now: () => host.events.now(),
        timeoutMs,
        signal,
        onProgress: ({ closed, answered }) => {
          progress.closed = closed;
          progress.answered = answered;
        },
      });
      progress.answered = report.answeredCount;
      run.scenarioStartedAt = report.startedAt;
      run.outcome = report.outcome;
      run.unansweredCount = report.failedCount;
      if (report.outcome === 'cancelled') run.state = 'cancelled';
      else if (report.outcome === 'timed-out') {
        run.state = 'failed';
        run.error = `Timed out after ${Math.round(timeoutMs / 1000)} s with ${report.answeredCount} of ${report.requests.length} requests answered`;
      } else run.state = 'done';
      return run;
    } finally {
      activity.phase = 'stopping';
      if (host.status.phase === 'listening' || host.status.phase === 'starting') await host.stop();
      clearInterval(rssTimer);
      run.peakRssBytes = Math.max(peakRssBytes, host.readRssBytes());
      unsubscribe();
      progress.state = run.state;
      progress.error = run.error;
    }
  }
}
