// Checks of what a viewer sends besides commands (its view, frame acks, queries): the main side never trusts
// them, and a refusal says why in one line. Unknown fields are dropped. Commands are checked in commands.ts.

import { BOOK_STEP_IDS, isBookStepId } from './book';
import type { Validation } from './commands';
import { describeValue } from './settings';
import { MAX_QUERY_REQUESTS, VIEW_LIMITS, type ViewerQuery, type ViewerView } from './wire';

function isObject(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function validateViewerView(input: unknown): Validation<ViewerView> {
  if (!isObject(input)) return { ok: false, error: 'view must be an object' };
  const { id, windowMs, plotWidthPx, paused, cursor } = input;
  if (!isWholeNumber(id, 0, Number.MAX_SAFE_INTEGER))
    return { ok: false, error: `view id must be a whole number ≥ 0 (got ${describeValue(id)})` };
  if (!isTime(windowMs) || windowMs < VIEW_LIMITS.minWindowMs || windowMs > VIEW_LIMITS.maxWindowMs)
    return {
      ok: false,
      error: `view windowMs must be between ${VIEW_LIMITS.minWindowMs} and ${VIEW_LIMITS.maxWindowMs} (got ${describeValue(windowMs)})`,
    };
  if (!isTime(plotWidthPx) || plotWidthPx < VIEW_LIMITS.minPlotWidthPx)
    return { ok: false, error: `view plotWidthPx must be a number ≥ ${VIEW_LIMITS.minPlotWidthPx} (got ${describeValue(plotWidthPx)})` };
  if (typeof paused !== 'boolean') return { ok: false, error: `view paused must be true or false (got ${describeValue(paused)})` };
  let viewCursor: ViewerView['cursor'];
  if (cursor === 'live') viewCursor = 'live';
  else if (isObject(cursor) && isTime(cursor.at)) viewCursor = { at: cursor.at };
  else return { ok: false, error: `view cursor must be "live" or { at: time } (got ${describeValue(cursor)})` };
  return {
    ok: true,
    value: { id, windowMs, plotWidthPx: Math.min(Math.floor(plotWidthPx), VIEW_LIMITS.maxPlotWidthPx), paused, cursor: viewCursor },
  };
}

/** A frame's seq as acked: a whole number ≥ 1. */
export function validateFrameAck(seq: unknown): Validation<number> {
  return isWholeNumber(seq, 1, Number.MAX_SAFE_INTEGER)
    ? { ok: true, value: seq }
    : { ok: false, error: `frame-ack seq must be a whole number ≥ 1 (got ${describeValue(seq)})` };
}

export function validateViewerQuery(input: unknown): Validation<ViewerQuery> {
  if (!isObject(input)) return { ok: false, error: 'query must be an object' };
  switch (input.kind) {
    case 'requests-in': {
      const { track, fromAt, toAt, limit, at } = input;
      if (track !== 'queue' && !isWholeNumber(track, 0, 1_000_000))
        return { ok: false, error: `query track must be a worker id or "queue" (got ${describeValue(track)})` };
      if (!isTime(fromAt) || !isTime(toAt) || toAt < fromAt)
        return {
          ok: false,
          error: `query fromAt and toAt must be times with fromAt ≤ toAt (got ${describeValue(fromAt)}, ${describeValue(toAt)})`,
        };
      if (!isWholeNumber(limit, 0, MAX_QUERY_REQUESTS))
        return { ok: false, error: `query limit must be a whole number between 0 and ${MAX_QUERY_REQUESTS} (got ${describeValue(limit)})` };
      if (at !== undefined && !isTime(at)) return { ok: false, error: `query at must be a time (got ${describeValue(at)})` };
      const query: ViewerQuery = { kind: 'requests-in', track, fromAt, toAt, limit };
      if (at !== undefined) query.at = at;
      return { ok: true, value: query };
    }
    case 'request': {
      const { requestId, runId, at } = input;
      if (!isWholeNumber(requestId, 0, Number.MAX_SAFE_INTEGER))
        return { ok: false, error: `query requestId must be a whole number (got ${describeValue(requestId)})` };
      if (runId !== undefined && !isWholeNumber(runId, 1, Number.MAX_SAFE_INTEGER))
        return { ok: false, error: `query runId must be a whole number ≥ 1 (got ${describeValue(runId)})` };
      if (at !== undefined && !isTime(at)) return { ok: false, error: `query at must be a time (got ${describeValue(at)})` };
      const query: ViewerQuery = { kind: 'request', requestId };
      if (runId !== undefined) query.runId = runId;
      if (at !== undefined) query.at = at;
      return { ok: true, value: query };
    }
    case 'book-verdict': {
      const { step, runId } = input;
      if (!isBookStepId(step))
        return { ok: false, error: `query step must be one of ${BOOK_STEP_IDS.join(', ')} (got ${describeValue(step)})` };
      if (runId !== undefined && !isWholeNumber(runId, 1, Number.MAX_SAFE_INTEGER))
        return { ok: false, error: `query runId must be a whole number ≥ 1 (got ${describeValue(runId)})` };
      return { ok: true, value: runId === undefined ? { kind: 'book-verdict', step } : { kind: 'book-verdict', step, runId } };
    }
    case 'comparison':
      return { ok: true, value: { kind: 'comparison' } };
    default:
      return { ok: false, error: `unknown query ${describeValue(input.kind)}` };
  }
}
