// The flight recorder's public surface: the bounded event history and the views derived from it. Pure
// TypeScript over src/shared (no Node built-ins, no DOM): the main process records live runs with it, and
// a replay can load a recording into one anywhere.

export { bookVerdictOf, judgeBookStep, measureRun } from './book-verdicts';
export { BUCKET_LEVELS_MS, DEFAULT_BUCKETS_PER_LEVEL } from './bucket-store';
export { MAX_LANES, ROUTE_CLASSES, type RouteClass, STATUS_CLASSES, type StatusClass } from './classify';
export type { RequestList, RequestsQuery } from './details';
export {
  CHECKPOINT_INTERVAL_EVENTS,
  DEFAULT_HISTORY_MAX_AGE_MS,
  DEFAULT_HISTORY_MAX_EVENTS,
  EventHistory,
  type EventHistoryOptions,
  MAX_MARKERS,
  MAX_RUNS,
} from './event-history';
export type { MarkerKind, RunInfo, TimelineMarker } from './history-parts';
export { LIVE_STATS_EVENTS_PER_STEP, LiveStats } from './live-stats';
export {
  emptyPoolState,
  type OpenConnection,
  type PoolState,
  type QueuedJob,
  type RequestRecord,
  type RunCounters,
  type RunPhase,
  type RunSettings,
  type WorkerState,
} from './pool-state';
export type { RecordedRequest } from './request-table';
export {
  DEFAULT_MAX_INTERNED_CHARS,
  DEFAULT_MAX_INTERNED_STRINGS,
  DROPPED_STRING,
} from './string-table';
export {
  type JobBar,
  type LaneBuckets,
  MAX_PLOT_WIDTH_PX,
  MIN_BUCKET_WIDTH_PX,
  type PoolActivity,
  type QueueBuckets,
  type QueueSpan,
  type QueueTrack,
  RECENT_UTILIZATION_WINDOW_MS,
  type Timeline,
  type TimelineLane,
  type TimelineQuery,
  UTILIZATION_WINDOW_MS,
  type WorkerActivity,
} from './timeline';
export {
  answerQuery,
  FLOODED_LOG_INTERVAL_MS,
  type FrameContext,
  frameTimelineOf,
  LOG_BACKFILL_EVENTS,
  LOG_SCAN_EVENTS_PER_FRAME,
  STATS_MIN_INTERVAL_MS,
  ViewerFrames,
  WHOLE_TIMELINE_INTERVAL_MS,
  wireNumber,
} from './viewer-frames';
