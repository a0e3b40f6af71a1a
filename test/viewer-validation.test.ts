// What a viewer may send besides commands: its view, frame acks and queries, checked before the main side
// trusts them; each refusal names the field in one line.

import { describe, expect, it } from 'vitest';
import { parseDashboardArgs } from '../src/main/dashboard-args';
import { DEFAULT_RECORDER_SETTINGS, validateRecorderSettings } from '../src/shared/settings';
import { validateFrameAck, validateViewerQuery, validateViewerView } from '../src/shared/viewer-validation';
import { MAX_QUERY_REQUESTS, VIEW_LIMITS } from '../src/shared/wire';

const view = { id: 3, windowMs: 30_000, plotWidthPx: 640, paused: false, cursor: 'live' };

describe('validateViewerView', () => {
  it('accepts a live view and a cursor view, drops unknown fields and caps the width', () => {
    expect(validateViewerView({ ...view, extra: 'x' })).toEqual({ ok: true, value: view });
    expect(validateViewerView({ ...view, cursor: { at: 1_700_000_000_000, x: 1 } })).toEqual({
      ok: true,
      value: { ...view, cursor: { at: 1_700_000_000_000 } },
    });
    const wide = validateViewerView({ ...view, plotWidthPx: 1e9 });
    expect(wide.ok && wide.value.plotWidthPx).toBe(VIEW_LIMITS.maxPlotWidthPx);
  });

  it.each([
    [null, /must be an object/],
    [{ ...view, id: -1 }, /view id/],
    [{ ...view, windowMs: 0 }, /windowMs must be between/],
    [{ ...view, windowMs: Number.NaN }, /windowMs/],
    [{ ...view, plotWidthPx: 0 }, /plotWidthPx/],
    [{ ...view, paused: 'yes' }, /paused must be true or false/],
    [{ ...view, cursor: 'now' }, /cursor must be "live"/],
    [{ ...view, cursor: { at: Number.POSITIVE_INFINITY } }, /cursor/],
  ])('refuses %j', (input, error) => {
    const result = validateViewerView(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});

describe('validateFrameAck', () => {
  it('accepts a seq ≥ 1 and refuses anything else', () => {
    expect(validateFrameAck(7)).toEqual({ ok: true, value: 7 });
    for (const bad of [0, -1, 1.5, '3', null]) expect(validateFrameAck(bad).ok).toBe(false);
  });
});

describe('validateViewerQuery', () => {
  it('accepts requests-in for a lane or the queue and a request by id', () => {
    expect(validateViewerQuery({ kind: 'requests-in', track: 2, fromAt: 1, toAt: 2, limit: 10 })).toEqual({
      ok: true,
      value: { kind: 'requests-in', track: 2, fromAt: 1, toAt: 2, limit: 10 },
    });
    expect(validateViewerQuery({ kind: 'requests-in', track: 'queue', fromAt: 1, toAt: 2, limit: 0, at: 5 }).ok).toBe(true);
    expect(validateViewerQuery({ kind: 'request', requestId: 4, runId: 2 })).toEqual({
      ok: true,
      value: { kind: 'request', requestId: 4, runId: 2 },
    });
    // As known at a moment (a paused view, a replay's cursor); nothing else is passed on.
    expect(validateViewerQuery({ kind: 'request', requestId: 4, at: 1_700_000_000_123.5, extra: 1 })).toEqual({
      ok: true,
      value: { kind: 'request', requestId: 4, at: 1_700_000_000_123.5 },
    });
  });

  it.each([
    [{ kind: 'requests-in', track: 'lane', fromAt: 1, toAt: 2, limit: 1 }, /track/],
    [{ kind: 'requests-in', track: 0, fromAt: 3, toAt: 2, limit: 1 }, /fromAt ≤ toAt/],
    [{ kind: 'requests-in', track: 0, fromAt: 1, toAt: 2, limit: MAX_QUERY_REQUESTS + 1 }, /limit/],
    [{ kind: 'requests-in', track: 0, fromAt: 1, toAt: 2, limit: 1, at: 'now' }, /at must be a time/],
    [{ kind: 'request', requestId: 'x' }, /requestId/],
    [{ kind: 'request', requestId: 1, runId: 0 }, /runId/],
    [{ kind: 'request', requestId: 1, at: 'now' }, /at must be a time/],
    [{ kind: 'request', requestId: 1, at: Number.NaN }, /at must be a time/],
    [{ kind: 'everything' }, /unknown query "everything"/],
    [[], /must be an object/],
  ])('refuses %j', (input, error) => {
    const result = validateViewerQuery(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});

describe('recorder settings', () => {
  it('default to 600 s and 500,000 events, and come from --history-s and --history-events', () => {
    expect(DEFAULT_RECORDER_SETTINGS).toEqual({ historySeconds: 600, historyEvents: 500_000 });
    expect(parseDashboardArgs([]).recorder).toEqual(DEFAULT_RECORDER_SETTINGS);
    expect(parseDashboardArgs(['--history-s', '60', '--history-events', '20000']).recorder).toEqual({
      historySeconds: 60,
      historyEvents: 20_000,
    });
  });

  it('refuse a bad value with one line naming the flag', () => {
    expect(() => parseDashboardArgs(['--history-s', '0'])).toThrow('--history-s must be between 1 and 86400 (got 0)');
    expect(() => parseDashboardArgs(['--history-events', 'lots'])).toThrow('--history-events must be a whole number (got "lots")');
    expect(validateRecorderSettings({ historyEvents: 5 })).toMatchObject({ ok: false, field: 'historyEvents' });
  });
});
