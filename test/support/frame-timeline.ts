// The recorder's answers as a frame carries them (plain JSON: typed arrays as arrays, NaN as null), for the
// renderer's tests: the timeline of a window, and the workers of a state.

import type { PoolState, Timeline } from '../../src/history';
import type { FrameTimeline, FrameWorker } from '../../src/shared/wire';

export function frameTimelineOf(timeline: Timeline): FrameTimeline {
  const b = timeline.queue.buckets;
  return {
    mode: 'whole',
    fromAt: timeline.fromAt,
    toAt: timeline.toAt,
    now: timeline.now,
    bucketMs: timeline.bucketMs,
    firstBucketIndex: timeline.firstBucketIndex,
    bucketCount: timeline.bucketCount,
    fromBucketIndex: timeline.firstBucketIndex,
    knownFromAt: timeline.knownFromAt,
    historyStartAt: timeline.historyStartAt,
    lanes: timeline.lanes.map((lane) => ({
      workerId: lane.workerId,
      bars: lane.bars.map((bar) => ({ ...bar })),
      buckets: {
        busyFraction: Array.from(lane.buckets.busyFraction),
        jobs: Array.from(lane.buckets.jobs),
        routes: Array.from(lane.buckets.routes),
        statuses: Array.from(lane.buckets.statuses),
        burstJobs: Array.from(lane.buckets.burstJobs),
      },
    })),
    queue: {
      spans: timeline.queue.spans?.map((span) => ({ ...span })) ?? null,
      buckets: {
        meanLength: Array.from(b.meanLength),
        maxLength: Array.from(b.maxLength),
        received: Array.from(b.received),
        rejected: Array.from(b.rejected),
        dequeued: Array.from(b.dequeued),
        meanWaitMs: Array.from(b.meanWaitMs, (ms) => (Number.isNaN(ms) ? null : ms)),
      },
    },
    markers: timeline.markers.map((marker) => ({ ...marker })),
    runs: timeline.runs.map((run) => ({ ...run })),
  };
}

/** The workers of a state as a frame lists them (rates left at 0: the timeline's tests do not read them). */
export function frameWorkersOf(state: PoolState | null): FrameWorker[] {
  return (state?.workers ?? []).map((worker) => ({
    id: worker.id,
    phase: worker.phase,
    job: null,
    jobsPerSecond: 0,
    utilization: 0,
    recentUtilization: 0,
    jobsDone: worker.jobsDone,
    spawnedAt: worker.spawnedAt,
    replacements: worker.replacements,
  }));
}
