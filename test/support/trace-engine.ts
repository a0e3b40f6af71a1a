// Loads a trace into the Chrome DevTools Performance panel's own trace engine (@paulirish/trace_engine),
// under Node, so tests check an exported trace as DevTools reads it rather than by its JSON alone.

import * as TraceEngine from '@paulirish/trace_engine';

/** The engine measures boxes with DOMRect, which Node lacks; it needs only the constructor and fields. */
function installDomRect(): void {
  if ('DOMRect' in globalThis) return;
  class DOMRect {
    constructor(
      public x = 0,
      public y = 0,
      public width = 0,
      public height = 0,
    ) {}
    get left(): number {
      return this.x + Math.min(0, this.width);
    }
    get right(): number {
      return this.x + Math.max(0, this.width);
    }
    get top(): number {
      return this.y + Math.min(0, this.height);
    }
    get bottom(): number {
      return this.y + Math.max(0, this.height);
    }
  }
  Object.assign(globalThis, { DOMRect });
}

export interface EngineSlice {
  name: string;
  ph: string;
  /** µs, as in the trace */
  ts: number;
  dur: number | undefined;
  args: Record<string, unknown> | undefined;
}

export interface EngineThread {
  pid: number;
  tid: number;
  name: string | null;
  entries: EngineSlice[];
}

export interface EngineView {
  processNames: Map<number, string>;
  threads: EngineThread[];
  /** Each flow as the slices it links, in order. */
  flows: EngineSlice[][];
  /** Async slices shown in the Timings track. */
  measures: EngineSlice[];
}

/** Parses `traceEvents` with every handler DevTools runs and returns what its Performance panel would show. */
export async function loadInDevTools(traceEvents: readonly object[]): Promise<EngineView> {
  installDomRect();
  const model = TraceEngine.TraceModel.Model.createWithAllHandlers();
  await model.parse(traceEvents as unknown as TraceEngine.Types.Events.Event[]);
  const parsed = model.parsedTrace();
  if (!parsed) throw new Error('the trace engine produced no data');
  const data = parsed.data;
  const slice = (e: TraceEngine.Types.Events.Event): EngineSlice => ({
    name: e.name,
    ph: e.ph,
    ts: e.ts,
    dur: e.dur,
    args: e.args as Record<string, unknown> | undefined,
  });
  const threads = TraceEngine.Handlers.Threads.threadsInTrace(data).map((t) => ({
    pid: t.pid,
    tid: t.tid,
    name: t.name,
    entries: t.entries.map(slice),
  }));
  const processNames = new Map<number, string>();
  for (const [pid, event] of data.Meta.processNames) processNames.set(pid, String(event.args.name));
  return {
    processNames,
    threads,
    flows: data.Flows.flows.map((flow) => flow.map(slice)),
    measures: data.UserTimings.performanceMeasures.map(slice),
  };
}
