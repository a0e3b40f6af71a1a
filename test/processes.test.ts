// The child-program support the tests, the e2e fixture and the benchmarks stand on: waiting for a line as it is
// printed, failing with the output when it never comes, and a stop that ends even a program that ignores SIGTERM.

import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildProgram, spawnProgram } from './support/processes';

let started: ChildProgram[] = [];

afterEach(async () => {
  await Promise.all(started.map((program) => program.kill()));
  started = [];
});

/** A Node program from source text. */
function node(source: string): ChildProgram {
  const program = spawnProgram(process.execPath, ['-e', source]);
  started.push(program);
  return program;
}

describe('ChildProgram', () => {
  it('resolves a wait with the match once the line is printed, on either stream', async () => {
    const program = node(`setTimeout(() => console.log('ready on port 1234'), 50); setTimeout(() => console.error('late'), 100);`);
    const [, port] = await program.waitForOutput(/ready on port (\d+)/, { stream: 'stdout' });
    expect(port).toBe('1234');
    await program.waitForOutput(/late/, { stream: 'stderr' });
    expect(await program.exited).toEqual({ code: 0, signal: null });
    expect([program.stdout(), program.stderr()]).toEqual(['ready on port 1234\n', 'late\n']);
    expect(program.output()).toHaveLength('ready on port 1234\nlate\n'.length);
  });

  it('rejects a wait, with the output, when the program exits without printing the line', async () => {
    const program = node(`console.log('something else'); process.exit(3);`);
    await expect(program.waitForOutput(/ready/)).rejects.toThrow(
      /exited \(code 3, signal null\) without printing \/ready\/\. Output:\nsomething else/,
    );
  });

  it('rejects a wait that outlasts its timeout', async () => {
    const program = node(`setInterval(() => {}, 1000);`);
    await expect(program.waitForOutput(/never/, { timeoutMs: 50 })).rejects.toThrow(/printed nothing matching \/never\/ within \d+ ms/);
    expect(program.hasExited).toBe(false);
  });

  it('stops gracefully with SIGTERM, and kills a program that ignores it once the grace period is over', async () => {
    const polite = node(
      `process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`,
    );
    await polite.waitForOutput(/up/);
    expect(await polite.stop()).toEqual({ code: 0, signal: null });
    expect(polite.output()).toBe('up\nbye\n');

    const stubborn = node(`process.on('SIGTERM', () => console.log('not stopping')); console.log('up'); setInterval(() => {}, 1000);`);
    await stubborn.waitForOutput(/up/);
    // Its handler keeps it alive through SIGTERM: only the SIGKILL after the grace period ends it.
    expect(await stubborn.stop(200)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await stubborn.stop()).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('in its own process group, signals every process of the group at once, and kills them all', async () => {
    // A parent that starts a child, as npm starts a script: both print the signal they get.
    const child = `process.on('SIGINT', () => console.log('child got SIGINT')); console.log('child up'); setInterval(() => {}, 1000);`;
    const parent = spawnProgram(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'inherit' });
         console.log('child pid ' + c.pid);
         process.on('SIGINT', () => console.log('parent got SIGINT'));
         setInterval(() => {}, 1000);`,
      ],
      { ownProcessGroup: true },
    );
    started.push(parent);
    const [, childPid] = await parent.waitForOutput(/child pid (\d+)/);
    await parent.waitForOutput(/child up/);
    parent.signalGroup('SIGINT');
    await parent.waitForOutput(/child got SIGINT/);
    await parent.waitForOutput(/parent got SIGINT/);

    expect(await parent.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    // The whole group went: nothing the program started is left running.
    await expect.poll(() => isRunning(Number(childPid))).toBe(false);
  });
});

/** Alive and not a zombie (a killed process whose parent died first waits, dead, for init to reap it). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) return true;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
