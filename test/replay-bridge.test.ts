// The bridge's source switch (src/renderer/bridge/pool-bridge.ts with the store's replay slice): opening a recording
// shows its replay instead of live — the page's panels from the replay's frames, the live frames kept for a view
// held still and used for the controller's status alone — and Back to live shows the live server's frames again.

import { describe, expect, it, vi } from 'vitest';
import { EventHistory } from '../src/history';
import { answerQuery } from '../src/history/viewer-frames';
import { PoolBridge } from '../src/renderer/bridge/pool-bridge';
import type { Recording } from '../src/renderer/recording/load-recording';
import { createAppStore } from '../src/renderer/store/app-store';
import type { ServerEvent } from '../src/shared/events';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { validateViewerQuery } from '../src/shared/viewer-validation';
import type {
  ControllerStatus,
  FrameSubscription,
  PoolscopeApi,
  QueryResult,
  ViewerFrame,
  ViewerQuery,
  ViewerView,
} from '../src/shared/wire';
import { quietFrame } from './support/frame-workers';
import { sampleHeader } from './support/sample-events';
import { simulateRun } from './support/simulated-run';

const START_AT = 1_700_000_000_000;
const BURST: ServerEvent[] = simulateRun({
  workerCount: 4,
  startAt: START_AT,
  jobs: Array.from({ length: 8 }, () => ({ gapMs: 1, runMs: 5_000, path: '/sleep' })),
});
const LISTENING_AT = BURST.find((e) => e.type === 'server-listening')!.at;
const RECORDING: Recording = {
  fileName: 'burst.poolscope.jsonl',
  header: sampleHeader({ historyStartsAt: START_AT - 1 }),
  events: BURST,
  notices: [],
};

function status(phase: ControllerStatus['phase']): ControllerStatus {
  return { phase, url: phase === 'listening' ? 'http://127.0.0.1:7878' : null, settings: { ...DEFAULT_SETTINGS }, lastError: null };
}

function liveFrame(seq: number, overrides: Partial<ViewerFrame> = {}): ViewerFrame {
  return quietFrame(seq, START_AT, overrides);
}

/** The live side: the views it was told, the acks, and a way to send it frames. */
function liveApi() {
  const live = {
    views: [] as ViewerView[],
    acks: [] as number[],
    send: (_frame: ViewerFrame): void => {},
    watch(view: ViewerView, listener: (frame: ViewerFrame) => void): FrameSubscription {
      live.views.push(view);
      live.send = listener;
      return { setView: (next) => live.views.push(next), ack: (seq) => live.acks.push(seq), close: () => {} };
    },
    query: async (_query: ViewerQuery): Promise<QueryResult> => ({ ok: true, kind: 'request', request: null }),
  };
  return live;
}

/** Preparing a replay yields to the page between steps: on a busy machine it takes longer than vi.waitFor's default second. */
const PREPARED = { timeout: 15_000 };

const noCommands = new Proxy({}, { get: () => async () => ({ ok: true }) }) as PoolscopeApi;

function setup() {
  const store = createAppStore({ api: noCommands });
  const bridge = new PoolBridge(store, { scheduleFrame: () => {} });
  const live = liveApi();
  bridge.connect(live);
  live.send(liveFrame(1, { status: status('listening') }));
  bridge.flush();
  return { store, bridge, live };
}

describe('the bridge with a replay open', () => {
  it('shows the replay at its cursor, keeps the live status current, and shows live again after Back to live', async () => {
    const { store, bridge, live } = setup();
    expect(store.getState().wire.status.phase).toBe('listening');

    store.getState().recordingActions.openRecording(RECORDING);
    await vi.waitFor(() => expect(store.getState().replay.phase).toBe('open'), PREPARED);
    expect(bridge.isReplay).toBe(true);
    // The live frames go on for a view held still: only the status changes there.
    expect(live.views.at(-1)).toMatchObject({ paused: true, cursor: 'live' });

    // The replay's first frame: its start, before the server listened.
    const replay = store.getState().replay;
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.frameAt).toBe(replay.position!.startAt);
    }, PREPARED);
    expect(store.getState().wire.workers).toEqual([]);
    expect(bridge.presentAt()).toBe(replay.position!.startAt);

    store.getState().replayActions.seek(LISTENING_AT + 1_500);
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.frameAt).toBe(LISTENING_AT + 1_500);
    }, PREPARED);
    expect(store.getState().wire.workers.filter((w) => w.state === 'busy')).toHaveLength(4);
    expect(store.getState().wire.queueLength).toBe(4);

    // A live frame meanwhile: acked at once; its status shows, its pool does not.
    live.send(liveFrame(2, { status: status('stopped'), workers: [] }));
    expect(live.acks).toContain(2);
    bridge.flush();
    expect(store.getState().wire.status.phase).toBe('stopped');
    expect(store.getState().wire.workers.filter((w) => w.state === 'busy')).toHaveLength(4);

    store.getState().replayActions.backToLive();
    expect(bridge.isReplay).toBe(false);
    expect(live.views.at(-1)).toMatchObject({ paused: false, cursor: 'live' });
    live.send(liveFrame(3, { isFull: true, at: START_AT + 60_000 }));
    bridge.flush();
    expect(store.getState().wire.frameAt).toBe(START_AT + 60_000);
    expect(store.getState().wire.workers).toEqual([]);
    expect(store.getState().wire.status.phase).toBe('stopped');
    bridge.dispose();
  });

  it("counts the page's durations to the cursor, and a timeline paused over a playing replay stops them there", async () => {
    const { store, bridge } = setup();
    store.getState().recordingActions.openRecording(RECORDING);
    await vi.waitFor(() => expect(store.getState().replay.phase).toBe('open'), PREPARED);
    const source = store.getState().replay.source!;
    const pausedAt = LISTENING_AT + 1_500;
    store.getState().replayActions.seek(pausedAt);
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.frameAt).toBe(pausedAt);
    }, PREPARED);
    expect(bridge.presentAt()).toBe(pausedAt);

    // The timeline paused, the replay played on: its cursor moves, the page's present does not.
    store.getState().viewActions.pauseTimeline(bridge.presentAt());
    store.getState().replayActions.setSpeed(16);
    store.getState().replayActions.play();
    await vi.waitFor(() => expect(source.now()).toBeGreaterThan(pausedAt + 100));
    bridge.flush();
    expect(bridge.presentAt()).toBe(pausedAt);

    // Resumed: the present is the moving cursor again.
    store.getState().viewActions.resumeTimeline();
    const resumedAt = bridge.presentAt();
    expect(resumedAt).toBeGreaterThan(pausedAt + 100);
    await vi.waitFor(() => expect(bridge.presentAt()).toBeGreaterThan(resumedAt));
    store.getState().replayActions.pause();
    bridge.dispose();
  });

  it('shows the request inspected as it was at the cursor: running inside its run, finished after it', async () => {
    const { store, bridge } = setup();
    store.getState().recordingActions.openRecording(RECORDING);
    await vi.waitFor(() => expect(store.getState().replay.phase).toBe('open'), PREPARED);
    const first = BURST.find((e) => e.type === 'job-started' && e.requestId === 1)!;
    const finished = BURST.find((e) => e.type === 'job-finished' && e.requestId === 1)!;
    store.getState().replayActions.seek(first.at + 1_000);
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.frameAt).toBe(first.at + 1_000);
    }, PREPARED);

    store.getState().viewActions.selectRequest(1);
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.inspectedRequest).toMatchObject({
        id: 1,
        startedAt: first.at,
        workerId: 0,
        finishedAt: null,
        status: null,
      });
    }, PREPARED);

    // The cursor moves past its finish: asked again, the answer says it finished.
    store.getState().replayActions.seek(finished.at + 100);
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.inspectedRequest).toMatchObject({ id: 1, finishedAt: finished.at, status: 200 });
    }, PREPARED);
    // And back before it: running again.
    store.getState().replayActions.seek(first.at + 10);
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.inspectedRequest).toMatchObject({ id: 1, finishedAt: null, status: null });
    }, PREPARED);
    bridge.dispose();
  });

  it('shows a request inspected while live is paused as it was at the paused moment, and as it is now on Resume', async () => {
    const store = createAppStore({ api: noCommands });
    const bridge = new PoolBridge(store, { scheduleFrame: () => {} });
    const history = new EventHistory({ maxAgeMs: Number.POSITIVE_INFINITY });
    for (const event of BURST) history.append(event);
    const live = liveApi();
    live.query = async (input) => {
      const query = validateViewerQuery(input);
      return query.ok ? answerQuery(history, query.value) : { ok: false, error: query.error };
    };
    bridge.connect(live);
    live.send(liveFrame(1, { status: status('listening') }));
    bridge.flush();
    const started = BURST.find((e) => e.type === 'job-started' && e.requestId === 2)!;

    // Paused inside request 2's run; it finished since (the history holds its finish), the picture does not show it.
    store.getState().viewActions.pauseTimeline(started.at + 1_000);
    store.getState().viewActions.selectRequest(2);
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.inspectedRequest).toMatchObject({
        id: 2,
        startedAt: started.at,
        finishedAt: null,
        status: null,
        sentAt: null,
      });
    });

    store.getState().viewActions.resumeTimeline();
    await vi.waitFor(() => {
      bridge.flush();
      expect(store.getState().wire.inspectedRequest).toMatchObject({ id: 2, status: 200 });
    });
    bridge.dispose();
  });

  it('clears the timeline pause and the inspected request when the source changes', async () => {
    const { store, bridge } = setup();
    store.getState().viewActions.pauseTimeline(START_AT);
    store.getState().viewActions.selectRequest(3);
    store.getState().recordingActions.openRecording(RECORDING);
    await vi.waitFor(() => expect(store.getState().replay.phase).toBe('open'), PREPARED);
    expect(store.getState().view).toMatchObject({ timelinePausedAt: null, selectedRequestId: null });
    bridge.dispose();
  });
});
