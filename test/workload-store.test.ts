// The Run load and Sweep… forms in the store, without React: checked as typed by the main side's validator,
// a refusal pinned to the field it names until that field is edited, and the metrics messages kept.

import { describe, expect, it } from 'vitest';
import { createAppStore } from '../src/renderer/store/app-store';
import { checkLoadForm, checkSweepForm, initialWorkloadState } from '../src/renderer/store/workload-slice';
import type { CommandResult, LoadRunSettings } from '../src/shared/commands';
import type { LiveMetrics, LiveSample } from '../src/shared/live-metrics';
import { MAX_LIVE_SAMPLES } from '../src/shared/live-metrics';
import type { SweepSettings } from '../src/shared/load-settings';
import { QueueingWindow } from '../src/shared/queueing-window';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import type { PoolscopeApi } from '../src/shared/wire';
import { unwatchedFrames } from './support/unwatched-api';

function fakeApi(answer: CommandResult) {
  const calls: Array<LoadRunSettings | SweepSettings | string> = [];
  const api: PoolscopeApi = {
    startServer: async () => answer,
    stopServer: async () => answer,
    fireBurst: async () => answer,
    startLoad: async (settings) => {
      calls.push(settings);
      return answer;
    },
    cancelLoad: async () => {
      calls.push('cancel-load');
      return answer;
    },
    startSweep: async (settings) => {
      calls.push(settings);
      return answer;
    },
    cancelSweep: async () => answer,
    setHistory: async () => answer,
    getStatus: async () => ({
      phase: 'stopped',
      url: null,
      settings: { ...DEFAULT_SETTINGS },
      lastError: null,
    }),
    ...unwatchedFrames,
  };
  return { api, calls };
}

function metrics(samples: LiveSample[], isHistory: boolean): LiveMetrics {
  return { at: 0, queueing: new QueueingWindow().snapshot(1), samples, isHistory, load: null, sweep: null, compare: null };
}

const sample = (at: number): LiveSample => ({ at, responsesPerS: 1, p99LatencyMs: 1, meanQueueLength: 0, meanBusyWorkers: 0, workers: 1 });

describe('the Run load and Sweep… forms', () => {
  it('checks each form as typed with the shared validator, naming the field', () => {
    const form = initialWorkloadState().loadForm;
    expect(checkLoadForm(form)).toMatchObject({ ok: true, value: { ratePerS: 100, mix: [{ path: '/', weight: 1 }] } });
    expect(checkLoadForm({ ...form, mix: '/:0.5' })).toEqual({
      ok: false,
      field: 'mix',
      error: 'Mix weights must sum to 1 (within 0.001); these sum to 0.5',
    });
    expect(checkLoadForm({ ...form, connections: '0' })).toMatchObject({ ok: false, field: 'connections' });
    expect(checkLoadForm({ ...form, mix: '/sleep?ms=99999' })).toMatchObject({
      ok: false,
      field: 'mix',
      error: expect.stringMatching(/answer every one 400$/),
    });
    const sweep = initialWorkloadState().sweepForm;
    expect(checkSweepForm(sweep)).toMatchObject({ ok: true, value: { workerCounts: [1, 2, 4, 8] } });
    expect(checkSweepForm({ ...sweep, workerCounts: '1,1' })).toEqual({
      ok: false,
      field: 'workerCounts',
      error: 'Pool size 1 is listed twice',
    });
  });

  it('sends only valid settings, and pins a refusal to its field until that field is edited', async () => {
    const { api, calls } = fakeApi({ ok: false, error: 'Rate is too much for this test', field: 'ratePerS' });
    const store = createAppStore({ api });
    const actions = store.getState().workloadActions;
    actions.editLoadForm('ratePerS', 'fast');
    await actions.startLoad();
    expect(calls).toEqual([]);

    actions.editLoadForm('ratePerS', '200');
    await actions.startLoad();
    expect(calls).toHaveLength(1);
    expect(store.getState().workload.loadRefusal).toEqual({ field: 'ratePerS', text: 'Rate is too much for this test' });
    expect(store.getState().workload.pending).toBeNull();
    actions.editLoadForm('mix', '/');
    expect(store.getState().workload.loadRefusal).not.toBeNull();
    actions.editLoadForm('ratePerS', '150');
    expect(store.getState().workload.loadRefusal).toBeNull();
  });

  it('shows a refusal that names no field under the form, and clears it once a command goes through', async () => {
    const refused = fakeApi({ ok: false, error: 'Start the server first: the load goes to its own address' });
    const store = createAppStore({ api: refused.api });
    await store.getState().workloadActions.startLoad();
    expect(store.getState().workload.loadError).toBe('Start the server first: the load goes to its own address');
    store.getState().workloadActions.explain('sweep', 'No sweep is running');
    expect(store.getState().workload.sweepError).toBe('No sweep is running');
  });
});

describe('the metrics messages', () => {
  it('replaces the samples with a history, appends later ones, and keeps at most MAX_LIVE_SAMPLES', () => {
    const store = createAppStore({ api: fakeApi({ ok: true }).api });
    const { receiveMetrics } = store.getState().workloadActions;
    receiveMetrics(metrics([sample(1), sample(2)], true));
    receiveMetrics(metrics([sample(3)], false));
    expect(store.getState().workload.samples.map((s) => s.at)).toEqual([1, 2, 3]);
    receiveMetrics(metrics([sample(10)], true));
    expect(store.getState().workload.samples.map((s) => s.at)).toEqual([10]);
    receiveMetrics(
      metrics(
        Array.from({ length: MAX_LIVE_SAMPLES }, (_, i) => sample(100 + i)),
        false,
      ),
    );
    const kept = store.getState().workload.samples;
    expect(kept).toHaveLength(MAX_LIVE_SAMPLES);
    expect(kept[kept.length - 1]!.at).toBe(100 + MAX_LIVE_SAMPLES - 1);
    expect(store.getState().workload.queueing?.arrivals).toBe(0);
  });
});
