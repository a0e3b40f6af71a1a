// Jobs a test holds running for as long as it needs, through real sockets and threads: a request for hold()'s target
// blocks its thread in the held-request worker (test/fixtures/workers/held-request-worker.ts) until release(). A
// premise such as "the first job is still running" then holds by construction, on a machine of any load.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELD_REQUEST_WORKER = fileURLToPath(new URL('../fixtures/workers/held-request-worker.ts', import.meta.url));

export class HeldJobs {
  private dir: string | null = null;
  private readonly files = new Map<string, string>();

  /** A request target (`/hold?until=…`) whose job runs until release(target) or releaseAll(). */
  hold(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'poolscope-held-'));
    const file = join(this.dir, String(this.files.size));
    const target = `/hold?until=${encodeURIComponent(file)}`;
    this.files.set(target, file);
    return target;
  }

  /** Ends the job (or jobs) of `target`: its thread answers within a few milliseconds. */
  release(target: string): void {
    const file = this.files.get(target);
    if (file === undefined) throw new Error(`${target} is not one of this test's holds`);
    writeFileSync(file, '');
  }

  releaseAll(): void {
    for (const target of this.files.keys()) this.release(target);
  }

  /** Removes the holds' files: after each test, once its servers (whose jobs were released) shut down. */
  dispose(): void {
    this.files.clear();
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
