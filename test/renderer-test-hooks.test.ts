// The page's code reaches its own elements through React (refs, context), never by a test hook: data-testid
// is for tests and scripts, and a component that looked another up by one would break the day that element moved.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RENDERER = fileURLToPath(new URL('../src/renderer/', import.meta.url));
/** A CSS selector on a test hook, as querySelector or closest would take it. */
const TEST_HOOK_SELECTOR = /\[data-testid[\]=~^$*|]/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe("the page's code", () => {
  it('finds none of its elements by a test hook', () => {
    const files = sourceFiles(RENDERER);
    expect(files.length).toBeGreaterThan(10);
    const lookups = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (TEST_HOOK_SELECTOR.test(line) ? [`${path.relative(RENDERER, file)}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(lookups).toEqual([]);
  });
});
