// Child programs for the tests, the e2e fixtures and the benchmarks: spawn one, keep what it prints, wait for
// a line of its output, stop it gracefully (a signal, then SIGKILL after a grace period). None outlives the
// process that started it: whatever still runs when that process exits is killed.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Changes } from './changes';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What stop() gives a program after its signal before it kills it: enough to finish a graceful shutdown. */
export const STOP_GRACE_MS = 10_000;
/** Output kept per stream, for waits and failure reports; older output is dropped so a chatty program cannot fill memory. */
const MAX_KEPT_OUTPUT_CHARS = 256 * 1024;

export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProgramOptions {
  /** Default: the project's root. */
  cwd?: string;
  /** Added to this process's environment (colour is off unless this turns it on). */
  env?: NodeJS.ProcessEnv;
  /** 'pipe' when the caller writes to the program's stdin (`program.child.stdin`); default 'ignore'. */
  stdin?: 'ignore' | 'pipe';
  /**
   * Runs the program as the leader of its own process group, as a terminal runs a command, so signalGroup()
   * reaches it and every process it starts (a terminal's Ctrl-C); kill() then ends the whole group.
   */
  ownProcessGroup?: boolean;
}

export interface WaitOptions {
  /** Which output to search; default both streams, interleaved as they arrived. */
  stream?: 'stdout' | 'stderr' | 'output';
  /** Give up after this long; default: never (the test's own timeout bounds the wait). */
  timeoutMs?: number;
}

const runningChildren = new Set<ChildProcess>();
/** Children that lead their own process group: killing one kills its whole group, so nothing it started is left. */
const groupLeaders = new WeakSet<ChildProcess>();
process.once('exit', killAllPrograms);

function killChild(child: ChildProcess): void {
  if (!groupLeaders.has(child) || child.pid === undefined) {
    child.kill('SIGKILL');
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** SIGKILLs every program still running; synchronous, for exit paths (a crash, Ctrl-C in a benchmark). */
export function killAllPrograms(): void {
  for (const child of runningChildren) killChild(child);
  runningChildren.clear();
}

export class ChildProgram {
  readonly child: ChildProcess;
  /** Resolves once the program has exited and everything it printed has been read. */
  readonly exited: Promise<ProgramExit>;
  private readonly kept = { stdout: '', stderr: '', output: '' };
  private readonly changes = new Changes();
  private hasEnded = false;
  private stopping: Promise<ProgramExit> | null = null;

  constructor(
    /** Names the program in errors, e.g. `src/main/dashboard-cli.ts`. */
    readonly name: string,
    command: string,
    args: readonly string[],
    options: ProgramOptions = {},
  ) {
    this.child = spawn(command, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
      detached: options.ownProcessGroup === true,
    });
    runningChildren.add(this.child);
    if (options.ownProcessGroup) groupLeaders.add(this.child);
    this.child.stdout!.on('data', (chunk: Buffer) => this.keep('stdout', chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => this.keep('stderr', chunk));
    this.exited = new Promise<ProgramExit>((resolve) => {
      const end = (exit: ProgramExit): void => {
        if (this.hasEnded) return;
        this.hasEnded = true;
        runningChildren.delete(this.child);
        this.changes.notify();
        resolve(exit);
      };
      // 'close', not 'exit': by then both pipes are drained, so output() holds everything the program printed.
      this.child.once('close', (code, signal) => end({ code, signal }));
      this.child.once('error', (error) => {
        this.kept.output += `${this.name} could not be run: ${error.message}\n`;
        end({ code: null, signal: null });
      });
    });
  }

  stdout(): string {
    return this.kept.stdout;
  }

  stderr(): string {
    return this.kept.stderr;
  }

  /** Everything printed so far, stdout and stderr interleaved as they arrived. */
  output(): string {
    return this.kept.output;
  }

  /** True once the program has exited (and its output has been read). */
  get hasExited(): boolean {
    return this.hasEnded;
  }

  /** Sends a signal to the program alone and returns at once, e.g. the SIGTERM of `kill PID`. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /**
   * Sends a signal to the program's whole process group (it must run with `ownProcessGroup`), as a terminal's
   * Ctrl-C does: every process of the group gets its own copy.
   */
  signalGroup(signal: NodeJS.Signals): void {
    if (!groupLeaders.has(this.child) || this.child.pid === undefined) throw new Error(`${this.name} does not lead a process group`);
    process.kill(-this.child.pid, signal);
  }

  /**
   * Resolves with the first match of `pattern` in the output, as soon as it is printed. Rejects, with the
   * output so far, when the program exits without printing it or the timeout passes.
   */
  async waitForOutput(pattern: RegExp, options: WaitOptions = {}): Promise<RegExpExecArray> {
    const stream = options.stream ?? 'output';
    // A global or sticky pattern would search from its last match: every check here starts from the beginning.
    const matcher = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    const startedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut =
      options.timeoutMs === undefined
        ? null
        : new Promise<'timed-out'>((resolve) => {
            timer = setTimeout(() => resolve('timed-out'), options.timeoutMs);
          });
    try {
      for (;;) {
        const match = matcher.exec(this.kept[stream]);
        if (match) return match;
        if (this.hasEnded) {
          const exit = `code ${this.child.exitCode}, signal ${this.child.signalCode}`;
          throw new Error(`${this.name} exited (${exit}) without printing ${pattern}. Output:\n${this.output()}`);
        }
        const outcome = await (timedOut ? Promise.race([this.changes.next(), timedOut]) : this.changes.next());
        if (outcome === 'timed-out') {
          const waitedMs = Math.round(performance.now() - startedAt);
          throw new Error(`${this.name} printed nothing matching ${pattern} within ${waitedMs} ms. Output:\n${this.output()}`);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** `signal` (SIGTERM: a graceful stop), then SIGKILL after `graceMs`; resolves once the program is gone. Safe to call twice. */
  stop(graceMs = STOP_GRACE_MS, signal: NodeJS.Signals = 'SIGTERM'): Promise<ProgramExit> {
    this.stopping ??= (async () => {
      if (this.hasEnded) return this.exited;
      this.child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'gave-up'>((resolve) => {
        timer = setTimeout(() => resolve('gave-up'), graceMs);
      });
      const outcome = await Promise.race([this.exited, gaveUp]);
      clearTimeout(timer);
      if (outcome !== 'gave-up') return outcome;
      killChild(this.child);
      return this.exited;
    })();
    return this.stopping;
  }

  /** SIGKILL at once, even during a graceful stop; resolves once the program is gone. */
  kill(): Promise<ProgramExit> {
    if (!this.hasEnded) killChild(this.child);
    this.stopping ??= this.exited;
    return this.exited;
  }

  private keep(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.kept[stream] = trimmed(this.kept[stream] + text);
    this.kept.output = trimmed(this.kept.output + text);
    this.changes.notify();
  }
}

function trimmed(text: string): string {
  return text.length > MAX_KEPT_OUTPUT_CHARS ? text.slice(-MAX_KEPT_OUTPUT_CHARS) : text;
}

/** Runs `command` as a child program (see ChildProgram). */
export function spawnProgram(command: string, args: readonly string[], options: ProgramOptions = {}): ChildProgram {
  return new ChildProgram(command, command, args, options);
}

/**
 * Runs a TypeScript entry of this project under Node with tsx's loader, as the npm scripts do: one process,
 * so a signal sent to it reaches the program itself. `nodeArgs` go before the loader (e.g. `--cpu-prof`).
 */
export function spawnTsx(
  entry: string,
  args: readonly string[] = [],
  options: ProgramOptions & { nodeArgs?: readonly string[] } = {},
): ChildProgram {
  return new ChildProgram(entry, process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry, ...args], options);
}

/**
 * The line a program prints at start when the open-file limit cannot hold the connections asked for
 * (src/server/descriptor-budget.ts): true of a machine whose hard `ulimit -n` is low, and of no other. Tests that
 * expect nothing else on stderr leave it out, so they hold on such a machine too.
 */
export function withoutOpenFileLimitLine(text: string): string {
  return text.replace(/^poolscope (?:serve|dashboard): the open-file limit \(ulimit -n\) is [^\n]*\n/m, '');
}
