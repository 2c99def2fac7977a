import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Method: the tidy rules (STYLE P7, P9, P13) are plain functions over file texts, parsed with the
 * TypeScript compiler so comments, strings and property names never trip them. Each rule is
 * first shown to fire on a small in-memory fixture — a tidy rule that cannot fail proves
 * nothing — and then run over the repository.
 *
 *  1. No ambient nondeterminism under src/ except src/cli (where seeds are chosen): Math.random,
 *     Date.now, performance.now, new Date(), setTimeout, setInterval, queueMicrotask.
 *  2. The import graph (ARCHITECTURE §2): model, impl and sim never import each other; check
 *     never imports sim or impl; core imports nothing outside core. Checked transitively, so a
 *     detour through another layer (check → scenario/builder → impl) is caught too.
 *  3. No file over 500 lines (STYLE P2).
 */

type Files = ReadonlyMap<string, string>;

// ---------------------------------------------------------------------------------------------
// Rule 1: banned APIs

const BANNED_MEMBERS: readonly (readonly [string, string])[] = [
  ['Math', 'random'],
  ['Date', 'now'],
  ['performance', 'now'],
];
const BANNED_GLOBALS: readonly string[] = ['setTimeout', 'setInterval', 'queueMicrotask'];
const GLOBAL_OBJECTS: readonly string[] = ['globalThis', 'window', 'global', 'self'];

const mayUseClock = (path: string): boolean => !path.startsWith('src/') || path.startsWith('src/cli/');

function parse(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

const lineOf = (sf: ts.SourceFile, node: ts.Node): number =>
  sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

function bannedGlobalUse(node: ts.Identifier): boolean {
  if (!BANNED_GLOBALS.includes(node.text)) return false;
  const p = node.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === node) {
    return ts.isIdentifier(p.expression) && GLOBAL_OBJECTS.includes(p.expression.text);
  }
  // A declaration or a key named like the global is not a use of it.
  const declares = (ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p) ||
    ts.isFunctionDeclaration(p) || ts.isVariableDeclaration(p) || ts.isParameter(p)) && p.name === node;
  return !declares;
}

/** Each use of a banned API as `path:line: what`. */
export function bannedApis(path: string, text: string): string[] {
  if (mayUseClock(path)) return [];
  const sf = parse(path, text);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const pair = [node.expression.text, node.name.text];
      if (BANNED_MEMBERS.some(([o, m]) => o === pair[0] && m === pair[1])) {
        found.push(`${path}:${lineOf(sf, node)}: ${pair.join('.')}`);
      }
    } else if (ts.isIdentifier(node) && bannedGlobalUse(node)) {
      found.push(`${path}:${lineOf(sf, node)}: ${node.text}`);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' &&
      (node.arguments === undefined || node.arguments.length === 0)) {
      found.push(`${path}:${lineOf(sf, node)}: new Date()`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Rule 2: the import graph

/** Relative module specifiers of a file: static imports, re-exports, import() and require(). */
export function importsOf(path: string, text: string): string[] {
  const sf = parse(path, text);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return specs.filter((s) => s.startsWith('.'));
}

/** Resolve a relative specifier to a file of `files` (extensionless, or a directory's index). */
function resolveImport(from: string, spec: string, files: Files): string | null {
  const base = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.(ts|js)$/, '');
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) if (files.has(candidate)) return candidate;
  return null;
}

/** `src/model/udp/input.ts` → 'model'; null outside src/. */
const layerOf = (path: string): string | null => /^src\/([^/]+)\//.exec(path)?.[1] ?? null;

/** Layers each layer must never reach (directly or through other files). */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  model: ['impl', 'sim'],
  impl: ['model', 'sim'],
  sim: ['model', 'impl'],
  check: ['sim', 'impl'],
};

function forbiddenFor(layer: string, target: string): boolean {
  if (layer === 'core') return target !== 'core';
  return FORBIDDEN[layer]?.includes(target) ?? false;
}

/** Every path from a file in a restricted layer to a file it must not reach, as a chain. */
export function importViolations(files: Files): string[] {
  const edges = new Map<string, string[]>();
  for (const [path, text] of files) {
    edges.set(path, importsOf(path, text).map((s) => resolveImport(path, s, files)).filter((p): p is string => p !== null));
  }
  const violations: string[] = [];
  for (const path of files.keys()) {
    const layer = layerOf(path);
    if (layer === null) continue;
    // Breadth-first, so the chain reported is a shortest one.
    const via = new Map<string, string>([[path, '']]);
    const queue = [path];
    while (queue.length > 0) {
      const at = queue.shift()!;
      for (const next of edges.get(at) ?? []) {
        if (via.has(next)) continue;
        via.set(next, at);
        const target = layerOf(next);
        if (target !== null && forbiddenFor(layer, target)) {
          const chain = [next];
          for (let p = at; p !== ''; p = via.get(p)!) chain.unshift(p);
          violations.push(`${layer} must not import ${target}: ${chain.join(' → ')}`);
          continue; // report the first offending file on this branch, not everything behind it
        }
        // Only follow files that are themselves allowed, so each violation is reported once.
        if (target === null || !forbiddenFor(layer, target)) queue.push(next);
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// Rule 3: file size

export const LINES_MAX = 500;

export function oversized(path: string, text: string): string | null {
  const n = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  return n > LINES_MAX ? `${path}: ${n} lines (at most ${LINES_MAX})` : null;
}

// ---------------------------------------------------------------------------------------------

describe('the tidy rules catch what they are for', () => {
  it('banned APIs: flags real uses under src/, with their line', () => {
    const text = [
      'const a = Math.random();',
      'const b = Date.now() + performance.now();',
      'setTimeout(() => 0, 5); globalThis.setInterval(f, 1); queueMicrotask(f);',
      'const c = new Date();',
    ].join('\n');
    expect(bannedApis('src/model/x.ts', text)).toEqual([
      'src/model/x.ts:1: Math.random',
      'src/model/x.ts:2: Date.now',
      'src/model/x.ts:2: performance.now',
      'src/model/x.ts:3: setTimeout',
      'src/model/x.ts:3: setInterval',
      'src/model/x.ts:3: queueMicrotask',
      'src/model/x.ts:4: new Date()',
    ]);
  });

  it('banned APIs: allows src/cli and code outside src, and ignores comments, strings and names', () => {
    expect(bannedApis('src/cli/fuzz.ts', 'const s = Math.random();')).toEqual([]);
    expect(bannedApis('test/x.test.ts', 'setTimeout(f, 1);')).toEqual([]);
    const innocent = [
      '// never call Math.random() or Date.now() here',
      "const msg = 'setTimeout is banned';",
      'const o = { setTimeout: 1 }; o.setTimeout; const d = new Date(0);',
      'function f(setInterval: number): number { return 2 * 1; }',
    ].join('\n');
    expect(bannedApis('src/sim/x.ts', innocent)).toEqual([]);
  });

  it('imports: flags model → impl, impl → model, sim → model, check → sim, core → outside', () => {
    const files = new Map([
      ['src/model/a.ts', "import { x } from '../impl/b';"],
      ['src/impl/b.ts', "import type { M } from '../model/m';"],
      ['src/model/m.ts', 'export type M = 1;'],
      ['src/sim/s.ts', "export { y } from '../model/m';"],
      ['src/check/c.ts', "const w = await import('../sim/s');"],
      ['src/core/k.ts', "import { z } from '../scenario/types';"],
      ['src/scenario/types.ts', 'export const z = 1;'],
    ]);
    expect(importViolations(files).sort()).toEqual([
      'check must not import sim: src/check/c.ts → src/sim/s.ts',
      'core must not import scenario: src/core/k.ts → src/scenario/types.ts',
      'impl must not import model: src/impl/b.ts → src/model/m.ts',
      'model must not import impl: src/model/a.ts → src/impl/b.ts',
      'sim must not import model: src/sim/s.ts → src/model/m.ts',
    ]);
  });

  it('imports: follows detours through allowed layers and directory indexes', () => {
    const files = new Map([
      ['src/check/c.ts', "import { build } from '../scenario';"],
      ['src/scenario/index.ts', "export { build } from './builder';"],
      ['src/scenario/builder.ts', "import { createImplHost } from '../impl/host';"],
      ['src/impl/host.ts', 'export const createImplHost = 1;'],
      ['src/check/ok.ts', "import { traceHash } from '../core/hash';"],
      ['src/core/hash.ts', "import { createHash } from 'node:crypto';"],
    ]);
    expect(importViolations(files)).toEqual([
      'check must not import impl: src/check/c.ts → src/scenario/index.ts → src/scenario/builder.ts → src/impl/host.ts',
    ]);
  });

  it('file size: flags a file over 500 lines, not one of exactly 500', () => {
    expect(oversized('src/a.ts', 'x\n'.repeat(500))).toBeNull();
    expect(oversized('src/a.ts', 'x\n'.repeat(501))).toBe('src/a.ts: 501 lines (at most 500)');
  });
});

// ---------------------------------------------------------------------------------------------

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['src', 'properties', 'test', 'bench'];

function repositoryFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) files.set(rel, readFileSync(join(ROOT, rel), 'utf8'));
    }
  };
  for (const dir of SCANNED) walk(dir);
  return files;
}

describe('the repository is tidy', () => {
  const files = repositoryFiles();

  it('scans the sources', () => {
    expect([...files.keys()].filter((p) => p.startsWith('src/core/')).length).toBeGreaterThan(5);
  });

  it('uses no ambient nondeterminism under src/ outside src/cli', () => {
    expect([...files].flatMap(([path, text]) => bannedApis(path, text))).toEqual([]);
  });

  it('keeps the import graph of ARCHITECTURE §2', () => {
    expect(importViolations(files)).toEqual([]);
  });

  it(`has no file over ${LINES_MAX} lines`, () => {
    expect([...files].map(([path, text]) => oversized(path, text)).filter((x) => x !== null)).toEqual([]);
  });
});
