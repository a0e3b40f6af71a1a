// The process boundaries, checked from the source: the server, the contract and the plain main-side modules
// run under plain Node (no Electron, React or DOM); the contract depends on nothing; the renderer reaches the
// main side only through the contract. Imports are read with the TypeScript parser, not with regexes.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const UI_PACKAGES = ['electron', 'react', 'react-dom', 'zustand'];
const DOM_GLOBALS = new Set(['document', 'window']);
/** The main-side modules that must run without Electron (the dashboard and the tests use them under plain Node). */
const PLAIN_MAIN_MODULES = ['server-controller', 'publisher', 'burst', 'dashboard-server', 'dashboard-cli', 'dashboard-args'];

interface SourceFacts {
  /** Path relative to src/, with forward slashes. */
  file: string;
  /** Every module specifier: static and dynamic imports, re-exports, require(), import types. */
  imports: string[];
  /** DOM globals used as values, e.g. "window (line 12)". */
  domGlobals: string[];
}

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
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

function factsOf(fileName: string, text: string): Omit<SourceFacts, 'file'> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
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
    } else if (ts.isIdentifier(node) && DOM_GLOBALS.has(node.text) && isValueReference(node)) {
      domGlobals.push(`${node.text} (line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, domGlobals };
}

function scan(files: string[]): SourceFacts[] {
  return files.map((full) => ({ file: path.relative(SRC, full).split(path.sep).join('/'), ...factsOf(full, readFileSync(full, 'utf8')) }));
}

const isUiPackage = (specifier: string) => UI_PACKAGES.some((pkg) => specifier === pkg || specifier.startsWith(`${pkg}/`));

/** Where a relative import lands, relative to src/ (e.g. "server/server"); null for a package. */
function targetOf(fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
}

const serverFiles = scan(listSources(path.join(SRC, 'server')));
const sharedFiles = scan(listSources(path.join(SRC, 'shared')));
const plainMainFiles = scan(PLAIN_MAIN_MODULES.map((name) => path.join(SRC, 'main', `${name}.ts`)).filter((file) => existsSync(file)));
const rendererFiles = scan(listSources(path.join(SRC, 'renderer')));

describe('process boundaries', () => {
  it('finds the files it checks', () => {
    expect(serverFiles.map((f) => f.file)).toContain('server/server.ts');
    expect(sharedFiles.map((f) => f.file)).toEqual(expect.arrayContaining(['shared/events.ts', 'shared/wire.ts']));
    expect(plainMainFiles.map((f) => f.file)).toEqual(
      expect.arrayContaining(['main/server-controller.ts', 'main/publisher.ts', 'main/dashboard-server.ts']),
    );
  });

  it('keeps the server, the contract and the plain main-side modules free of Electron, React, zustand and the DOM', () => {
    const violations = [...serverFiles, ...sharedFiles, ...plainMainFiles].flatMap((f) => [
      ...f.imports.filter(isUiPackage).map((specifier) => `${f.file} imports '${specifier}'`),
      ...f.domGlobals.map((use) => `${f.file} uses ${use}`),
    ]);
    expect(violations).toEqual([]);
  });

  it('keeps src/shared self-contained: it imports nothing outside itself, not even Node built-ins', () => {
    const violations = sharedFiles.flatMap((f) =>
      f.imports
        .filter((specifier) => {
          const target = targetOf(f.file, specifier);
          return target === null || !target.startsWith('shared/');
        })
        .map((specifier) => `${f.file} imports '${specifier}'`),
    );
    expect(violations).toEqual([]);
  });

  it('lets the renderer reach the main side only through src/shared', () => {
    const violations = rendererFiles.flatMap((f) =>
      f.imports
        .filter((specifier) => {
          const target = targetOf(f.file, specifier);
          return (
            target !== null && (target === 'server' || target === 'main' || target.startsWith('server/') || target.startsWith('main/'))
          );
        })
        .map((specifier) => `${f.file} imports '${specifier}'`),
    );
    expect(violations).toEqual([]);
  });
});

describe('the import scanner itself', () => {
  it('sees every kind of import and DOM globals used as values, but not property names', () => {
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
       options.window;`,
    );
    expect(facts.imports).toEqual(['electron', 'react', '../server/server', 'zustand', 'react-dom/client', './wire']);
    expect(facts.domGlobals).toEqual(['window (line 7)']);
  });
});
