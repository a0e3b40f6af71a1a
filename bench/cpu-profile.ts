// Reading V8 CPU profiles (a `.cpuprofile`, from `node --cpu-prof` or CDP's Profiler.stop) for the benchmarks:
// self time per function and the time spent under given functions, over the whole profile or over stretches of it.

/** A V8 CPU profile (the fields read here). Times are µs on the profiled process's monotonic clock. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A stretch of a profile, µs on the same monotonic clock as its samples (CLOCK_MONOTONIC: process.hrtime on Linux). */
export interface ProfileStretch {
  fromUs: number;
  toUs: number;
}

export interface ProfileSummary {
  /** Time the samples in the stretches account for, µs. */
  sampledUs: number;
  /** Self time per function (`name @ file:line:column`), µs, heaviest first. */
  selfUs: Array<[string, number]>;
  /** Per asked function name: the time of samples with it anywhere on their stack (once per sample), µs. */
  underUs: Map<string, number>;
}

/** The monotonic clock a profile's timestamps use, µs (Linux: CLOCK_MONOTONIC for V8 and for process.hrtime alike). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function nameOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url.slice(frame.url.lastIndexOf('/') + 1);
  const name = frame.functionName || '(anonymous)';
  return file === '' ? name : `${name} @ ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
}

/**
 * Self time per function and the time under each of `underNames` (function names as V8 reports them, e.g.
 * `stringify`, `sendFrame`) over the samples that fall in `stretches` (every sample when none are given).
 */
export function summarizeProfile(
  profile: CpuProfile,
  stretches: readonly ProfileStretch[] = [],
  underNames: readonly string[] = [],
): ProfileSummary {
  const parentOf = new Map<number, number>();
  const nodeOf = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const wanted = new Set(underNames);
  /** Per node: the asked names on its stack, found once. */
  const namesOnStack = new Map<number, string[]>();
  const stackNames = (id: number): string[] => {
    let names = namesOnStack.get(id);
    if (names !== undefined) return names;
    const parent = parentOf.get(id);
    const own = nodeOf.get(id)?.callFrame.functionName ?? '';
    names = parent === undefined ? [] : stackNames(parent);
    if (wanted.has(own) && !names.includes(own)) names = [...names, own];
    namesOnStack.set(id, names);
    return names;
  };
  const selfUs = new Map<string, number>();
  const underUs = new Map<string, number>(underNames.map((name) => [name, 0]));
  let sampledUs = 0;
  const samples = profile.samples ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    const us = profile.timeDeltas?.[i] ?? 0;
    at += us;
    if (stretches.length > 0 && !stretches.some((s) => at >= s.fromUs && at < s.toUs)) continue;
    const node = nodeOf.get(samples[i]!);
    if (node === undefined) continue;
    sampledUs += us;
    const name = nameOf(node.callFrame);
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    for (const under of stackNames(node.id)) underUs.set(under, (underUs.get(under) ?? 0) + us);
  }
  return { sampledUs, selfUs: [...selfUs.entries()].sort((a, b) => b[1] - a[1]), underUs };
}
