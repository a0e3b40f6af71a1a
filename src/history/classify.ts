// The classes the history counts requests by — route, status class, origin — and the bucket-size ladder.
// One place, so the timeline's lanes, the queue track, the rates and the details all agree.

/** Worker ids at or above this get no lane (their jobs still count in the queue track and the state). */
export const MAX_LANES = 1024;

/** A worker id that gets a lane: ids from a foreign or hostile recording may be anything. */
export function isLaneId(workerId: number): boolean {
  return Number.isInteger(workerId) && workerId >= 0 && workerId < MAX_LANES;
}

/** Routes the timeline tells apart, by the target's path (query ignored). Index = route code. */
export const ROUTE_CLASSES = ['/', '/sleep', 'other'] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];
export const ROUTE_ROOT = 0;
export const ROUTE_SLEEP = 1;
export const ROUTE_OTHER = 2;

/**
 * Status classes of jobs run by a worker. Index = status code class. `running` is a job still on its worker
 * (status not known yet). Requests the server answered itself (parse errors, full queue 503, header
 * timeout 408) never reach a worker: the queue track counts them as `rejected`.
 */
export const STATUS_CLASSES = ['2xx', '4xx', '5xx', 'other', 'running'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
export const STATUS_2XX = 0;
export const STATUS_4XX = 1;
export const STATUS_5XX = 2;
export const STATUS_OTHER = 3;
export const STATUS_RUNNING = 4;

/** The route code of a request-target, without allocating (no substring for the path). */
export function routeCodeOf(target: string): number {
  if (target === '/' || target.startsWith('/?')) return ROUTE_ROOT;
  if (target.startsWith('/sleep') && (target.length === 6 || target.charCodeAt(6) === 63) /* ? */) return ROUTE_SLEEP;
  return ROUTE_OTHER;
}

export function statusClassOf(status: number): number {
  if (status >= 200 && status < 300) return STATUS_2XX;
  if (status >= 400 && status < 500) return STATUS_4XX;
  if (status >= 500 && status < 600) return STATUS_5XX;
  return STATUS_OTHER;
}

/** The smallest bucket size of the 1, 2, 5 × 10^k ms ladder (k ≥ 0) that is at least `ms`. */
export function ladderBucketMsAtLeast(ms: number): number {
  if (!(ms > 1)) return 1;
  let decade = 10 ** Math.floor(Math.log10(ms));
  // log10 can land a hair below an exact power of ten.
  if (decade * 10 <= ms) decade *= 10;
  for (const step of [1, 2, 5, 10]) if (step * decade >= ms) return step * decade;
  return 10 * decade;
}
