// The process boundaries, checked from the source against one table, LAYOUT, which is the README's "How the code is
// laid out" table in code: each row names a folder (or files) and what it must never import. Imports are read with
// the TypeScript parser, not with regexes. A new top-level folder is one row here and one in the README.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const DOM_GLOBALS = new Set(['document', 'window']);

/**
 * What a file can depend on. Every import falls into exactly one kind; `dom` is a DOM global used as a value.
 * `src/<folder>` is a relative import that lands in that top-level folder of src/.
 */
type Kind = 'electron' | 'react' | 'zustand' | 'dom' | 'node' | 'npm' | `src/${string}` | typeof SERVER_INTERNALS | 'outside src';
/** An import into src/server other than its public surface, src/server/index.ts, from outside src/server. */
const SERVER_INTERNALS = 'src/server internals';

/** A row's rule: a list of kinds it never imports, or `{ only }`: it imports nothing but its own folder and these. */
type Never = readonly Kind[] | { readonly only: readonly Kind[] };

interface LayoutRow {
  /** Folders or files, from the project's root. A file is governed by the row with the longest path that contains it. */
  paths: readonly string[];
  never: Never;
}

/** The README's layout table. A folder that does not exist yet is checked once it does. */
const LAYOUT: readonly LayoutRow[] = [
  { paths: ['src/shared'], never: { only: [] } },
  { paths: ['src/server'], never: ['electron', 'react', 'zustand', 'dom', 'src/main', 'src/preload', 'src/renderer'] },
  { paths: ['src/main'], never: ['electron', 'react', 'zustand', 'dom', 'src/preload', 'src/renderer', SERVER_INTERNALS] },
  { paths: ['src/main/index.ts', 'src/main/ipc.ts'], never: ['react', 'zustand', 'dom', 'src/preload', 'src/renderer', SERVER_INTERNALS] },
  { paths: ['src/cli'], never: { only: ['node', 'src/shared'] } },
  { paths: ['src/preload'], never: { only: ['electron', 'src/shared'] } },
  { paths: ['src/renderer'], never: ['node', 'electron', 'src/main', 'src/server', 'src/preload'] },
  { paths: ['src/history'], never: { only: ['src/shared'] } },
  { paths: ['src/load'], never: { only: ['node', 'npm', 'src/shared'] } },
  {
    paths: ['src/load/sweep.ts', 'src/load/sweep-cli.ts', 'src/load/cli.ts', 'src/load/cli-args.ts'],
    never: { only: ['node', 'npm', 'src/shared', 'src/server', 'src/cli'] },
  },
];

// ── reading the source ───────────────────────────────────────────────────────

interface SourceFacts {
  /** Path from the project's root, with forward slashes. */
  file: string;
  /** Every module specifier: static and dynamic imports, re-exports, require(), import types. */
  imports: string[];
  /** DOM globals used as values, e.g. "window (line 12)". */
  domGlobals: string[];
}

function listSources(fullPath: string): string[] {
  if (!existsSync(fullPath)) return [];
  if (!statSync(fullPath).isDirectory()) return [fullPath];
  return readdirSync(fullPath).flatMap((name) => {
    const full = path.join(fullPath, name);
    if (statSync(full).isDirectory()) return listSources(full);
    return SOURCE_FILE.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Is this identifier a reference to a global, rather than a property name or a declaration's own name? */
function isValueReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if ('name' in parent && (parent as { name?: ts.Node }).name === node) return false;
  return true;
}

/**
 * The file on its own, bound but not type-checked: no lib and no imports resolved, so a DOM global has no
 * declaration at all, while a local that shadows one (the shell's `const window = new BrowserWindow()`) does.
 */
function bindAlone(fileName: string, text: string): { source: ts.SourceFile; checker: ts.TypeChecker } {
  const options: ts.CompilerOptions = {
    noLib: true,
    noResolve: true,
    allowJs: true,
    jsx: ts.JsxEmit.Preserve,
    target: ts.ScriptTarget.Latest,
  };
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const host = ts.createCompilerHost(options);
  host.getSourceFile = (name) => (name === fileName ? source : undefined);
  host.fileExists = (name) => name === fileName;
  const program = ts.createProgram({ rootNames: [fileName], options, host });
  return { source, checker: program.getTypeChecker() };
}

function factsOf(fileName: string, text: string): Omit<SourceFacts, 'file'> {
  const { source, checker } = bindAlone(fileName, text);
  const isDeclaredHere = (node: ts.Identifier) =>
    checker.getSymbolAtLocation(node)?.declarations?.some((declaration) => declaration.getSourceFile() === source) ?? false;
  const imports: string[] = [];
  const domGlobals: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      imports.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      imports.push(node.moduleReference.expression.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [first] = node.arguments;
      if (first && ts.isStringLiteralLike(first)) imports.push(first.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      imports.push(node.argument.literal.text);
    } else if (ts.isIdentifier(node) && DOM_GLOBALS.has(node.text) && isValueReference(node) && !isDeclaredHere(node)) {
      domGlobals.push(`${node.text} (line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, domGlobals };
}

function scan(files: readonly string[]): SourceFacts[] {
  return files.map((full) => ({ file: path.relative(ROOT, full).split(path.sep).join('/'), ...factsOf(full, readFileSync(full, 'utf8')) }));
}

// ── classifying and checking ─────────────────────────────────────────────────

const NODE_BUILTINS = new Set(builtinModules);
const isPackage = (specifier: string, name: string) => specifier === name || specifier.startsWith(`${name}/`);

/** The kind of one import of `fromFile` (a path from the project's root). */
function kindOf(fromFile: string, specifier: string): Exclude<Kind, 'dom'> {
  const bare = specifier.split('?')[0]!;
  if (bare.startsWith('.')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), bare));
    const [top, folder] = target.split('/');
    if (top !== 'src' || folder === undefined || folder === '..') return 'outside src';
    const isServerSurface = target === 'src/server' || target === 'src/server/index' || target === 'src/server/index.ts';
    if (folder === 'server' && !isServerSurface && !fromFile.startsWith('src/server/')) return SERVER_INTERNALS;
    return `src/${folder}`;
  }
  if (bare.startsWith('node:') || NODE_BUILTINS.has(bare.split('/')[0]!)) return 'node';
  if (isPackage(bare, 'electron')) return 'electron';
  if (isPackage(bare, 'react') || isPackage(bare, 'react-dom')) return 'react';
  if (isPackage(bare, 'zustand')) return 'zustand';
  return 'npm';
}

/** The top-level folder of src/ a file lives in, e.g. "src/main" for src/main/ipc.ts. */
const ownFolderOf = (file: string): Kind => file.split('/').slice(0, 2).join('/') as Kind;

function isForbidden(never: Never, kind: Kind, ownFolder: Kind): boolean {
  // A row that never imports src/server never imports its internals either.
  if (Array.isArray(never)) return never.includes(kind) || (kind === SERVER_INTERNALS && never.includes('src/server'));
  const { only } = never as { only: readonly Kind[] };
  return kind !== ownFolder && !only.includes(kind);
}

/** The row that governs `file`: the one with the longest path containing it; null when no row does. */
function rowOf(file: string, layout: readonly LayoutRow[] = LAYOUT): LayoutRow | null {
  let best: { row: LayoutRow; length: number } | null = null;
  for (const row of layout) {
    for (const rowPath of row.paths) {
      const contains = file === rowPath || file.startsWith(`${rowPath}/`);
      if (contains && (best === null || rowPath.length > best.length)) best = { row, length: rowPath.length };
    }
  }
  return best?.row ?? null;
}

/** Every import (and DOM global) that breaks its file's row, as readable lines. */
function violationsOf(files: readonly SourceFacts[], layout: readonly LayoutRow[] = LAYOUT): string[] {
  return files.flatMap((facts) => {
    const row = rowOf(facts.file, layout);
    if (row === null) return [`${facts.file} is in no row of the layout table`];
    const ownFolder = ownFolderOf(facts.file);
    return [
      ...facts.imports
        .filter((specifier) => isForbidden(row.never, kindOf(facts.file, specifier), ownFolder))
        .map((specifier) => `${facts.file} imports '${specifier}' (${kindOf(facts.file, specifier)})`),
      ...(isForbidden(row.never, 'dom', ownFolder) ? facts.domGlobals.map((use) => `${facts.file} uses the DOM: ${use}`) : []),
    ];
  });
}

// ── the README's words for a row ─────────────────────────────────────────────

const KIND_WORDS: Record<string, string> = {
  electron: 'electron',
  react: 'React',
  zustand: 'zustand',
  dom: 'DOM',
  node: 'Node built-ins',
  npm: 'npm packages',
  [SERVER_INTERNALS]: '`src/server` other than `src/server/index.ts`',
};
const wordsFor = (kind: Kind) => KIND_WORDS[kind] ?? `\`${kind}\``;
const listed = (words: string[]) => (words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);

function renderNever(never: Never): string {
  if (Array.isArray(never)) return never.map(wordsFor).join(', ');
  const { only } = never as { only: readonly Kind[] };
  return only.length === 0 ? 'anything outside itself' : `anything but ${listed(['itself', ...only.map(wordsFor)])}`;
}

const renderPaths = (row: LayoutRow) => row.paths.map((p) => `\`${p}\``).join(', ');

/** The README's layout table, rows whose first cell names something in src/: first cell → last cell. */
function readmeLayoutRows(): Map<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## How the code is laid out');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('|'))) {
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
    if (cells[0]?.startsWith('`src/')) rows.set(cells[0], cells.at(-1)!);
  }
  return rows;
}

// ── the tests ────────────────────────────────────────────────────────────────

const ALL_SOURCES = scan(listSources(path.join(ROOT, 'src')));
const existing = (row: LayoutRow) => row.paths.some((p) => existsSync(path.join(ROOT, p)));

describe('process boundaries', () => {
  it('finds the files it checks: every row that exists governs files, and every file under src/ has a row', () => {
    const governed = (file: string) => rowOf(file)?.paths.join(', ');
    expect(ALL_SOURCES.filter((facts) => rowOf(facts.file) === null).map((facts) => facts.file)).toEqual([]);
    for (const row of LAYOUT.filter(existing)) {
      expect(
        ALL_SOURCES.some((facts) => rowOf(facts.file) === row),
        `no files for ${row.paths.join(', ')}`,
      ).toBe(true);
    }
    expect(governed('src/server/server.ts')).toBe('src/server');
    expect(governed('src/main/ipc-guard.ts')).toBe('src/main');
    expect(governed('src/main/index.ts')).toBe('src/main/index.ts, src/main/ipc.ts');
    expect(governed('src/preload/index.ts')).toBe('src/preload');
    expect(ALL_SOURCES.map((facts) => facts.file)).toEqual(
      expect.arrayContaining(['src/main/ipc-guard.ts', 'src/main/publisher.ts', 'src/preload/index.ts', 'src/shared/events.ts']),
    );
  });

  it.each(LAYOUT.map((row) => [renderPaths(row), renderNever(row.never), row] as const))('%s never imports %s', (_paths, _never, row) => {
    const files = ALL_SOURCES.filter((facts) => rowOf(facts.file) === row);
    expect(violationsOf(files)).toEqual([]);
  });

  it('is the README table: the same rows, each with the same "never imports"', () => {
    const inCode = new Map(LAYOUT.filter(existing).map((row) => [renderPaths(row), renderNever(row.never)]));
    expect(readmeLayoutRows()).toEqual(inCode);
  });

  it('lets a row wait for its folder: a folder that does not exist yet has no files and breaks nothing', () => {
    const future: LayoutRow = { paths: ['src/not-yet-written'], never: { only: ['src/shared'] } };
    expect(listSources(path.join(ROOT, 'src/not-yet-written'))).toEqual([]);
    expect(existing(future)).toBe(false);
    expect(violationsOf(ALL_SOURCES, [...LAYOUT, future])).toEqual(violationsOf(ALL_SOURCES));
  });
});

describe('the checker itself', () => {
  it('sees every kind of import, and DOM globals used as values but not property names or locals of the same name', () => {
    const facts = factsOf(
      'sample.ts',
      `import { app } from 'electron';
       import type { FC } from 'react';
       export * from '../server/server';
       const store = await import('zustand');
       const dom = require('react-dom/client');
       type Api = import('./wire').PoolscopeApi;
       const title = window.document.title;
       const options = { window: 1, document: 2 };
       options.window;
       function show(document: { body: string }) { return document.body; }
       const window2 = () => { const window = app.window; return window; };
       document.title;`,
    );
    expect(facts.imports).toEqual(['electron', 'react', '../server/server', 'zustand', 'react-dom/client', './wire']);
    expect(facts.domGlobals).toEqual(['window (line 7)', 'document (line 12)']);
  });

  it('tells each kind of import apart', () => {
    const from = 'src/renderer/components/Panel.tsx';
    expect(
      ['node:fs', 'fs/promises', 'worker_threads', 'electron', 'react-dom/client', 'zustand/vanilla', 'ws', 'tsx/esm/api'].map((s) =>
        kindOf(from, s),
      ),
    ).toEqual(['node', 'node', 'node', 'electron', 'react', 'zustand', 'npm', 'npm']);
    expect(
      ['./format', '../store/app-store', '../../shared/wire', '../../main/ipc?modulePath', '../../../package.json'].map((s) =>
        kindOf(from, s),
      ),
    ).toEqual(['src/renderer', 'src/renderer', 'src/shared', 'src/main', 'outside src']);
    expect(['../server', '../server/index', '../server/pool/thread-pool'].map((s) => kindOf('src/main/server-controller.ts', s))).toEqual([
      'src/server',
      'src/server',
      SERVER_INTERNALS,
    ]);
    expect(kindOf('src/server/cli.ts', './pool/thread-pool')).toBe('src/server');
  });

  it('reports what breaks a row, and lets a row import its own folder', () => {
    const sample = (file: string, imports: string[], domGlobals: string[] = []): SourceFacts => ({ file, imports, domGlobals });
    expect(
      violationsOf([
        sample('src/shared/events.ts', ['./wire', 'node:fs', '../server']),
        sample('src/server/server.ts', ['node:net', 'ws', '../shared/events', '../main/publisher', 'react'], ['document (line 3)']),
        sample('src/main/ipc-guard.ts', ['electron']),
        sample('src/main/index.ts', ['electron', './ipc-guard']),
        sample('src/main/server-controller.ts', ['../server', '../server/pool/thread-pool', '../cli/flags']),
        sample('src/preload/index.ts', ['electron', '../shared/wire', 'node:path']),
        sample('src/renderer/main.tsx', ['react', 'node:path', '../main/publisher', '../shared/wire', '../server/server']),
        sample('src/history/ring.ts', ['./ring-buffer', '../shared/events', 'node:fs']),
        sample('src/load/load-generator.ts', ['node:net', '../shared/events', 'undici', '../server']),
        sample('src/load/sweep.ts', ['../server', './load-generator', '../main/publisher']),
        sample('src/elsewhere/x.ts', []),
      ]),
    ).toEqual([
      "src/shared/events.ts imports 'node:fs' (node)",
      "src/shared/events.ts imports '../server' (src/server)",
      "src/server/server.ts imports '../main/publisher' (src/main)",
      "src/server/server.ts imports 'react' (react)",
      'src/server/server.ts uses the DOM: document (line 3)',
      "src/main/ipc-guard.ts imports 'electron' (electron)",
      "src/main/server-controller.ts imports '../server/pool/thread-pool' (src/server internals)",
      "src/preload/index.ts imports 'node:path' (node)",
      "src/renderer/main.tsx imports 'node:path' (node)",
      "src/renderer/main.tsx imports '../main/publisher' (src/main)",
      "src/renderer/main.tsx imports '../server/server' (src/server internals)",
      "src/history/ring.ts imports 'node:fs' (node)",
      "src/load/load-generator.ts imports '../server' (src/server)",
      "src/load/sweep.ts imports '../main/publisher' (src/main)",
      'src/elsewhere/x.ts is in no row of the layout table',
    ]);
  });

  it('words each rule as the README does', () => {
    expect(renderNever(['electron', 'react', 'dom', 'src/main'])).toBe('electron, React, DOM, `src/main`');
    expect(renderNever({ only: [] })).toBe('anything outside itself');
    expect(renderNever({ only: ['src/shared'] })).toBe('anything but itself and `src/shared`');
    expect(renderNever({ only: ['node', 'electron', 'src/shared'] })).toBe(
      'anything but itself, Node built-ins, electron and `src/shared`',
    );
  });
});
