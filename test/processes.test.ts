// The child-program support the tests, the e2e fixture and the benchmarks stand on: waiting for a line as it is
// printed, failing with the output when it never comes, and a stop that ends even a program that ignores SIGTERM.

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
});
