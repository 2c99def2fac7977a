import { createHash } from 'node:crypto';
import { assert } from './assert';
import type { TraceEvent } from './trace';

/**
 * Stable hashes for the determinism law (STYLE P9: same seed, same trace, byte-identical) and for
 * failure signatures. A value is hashed through one canonical text form, so the hash depends on
 * content only, never on key insertion order or object identity:
 *
 *   null, true, false; numbers as JavaScript prints them (−0 as 0, NaN, Infinity, -Infinity);
 *   strings JSON-quoted; `undefined` as `undefined` (object keys whose value is undefined are
 *   left out, as JSON does); Uint8Array as x"<lowercase hex>"; arrays as [a,b];
 *   plain objects as {"k":v,…} with keys sorted by UTF-16 code units.
 *
 * Anything else — bigint, functions, symbols, Maps, Sets, class instances, other typed arrays,
 * cycles — has no canonical form here and asserts: a trace must be plain data.
 */

function canonicalNumber(n: number): string {
  if (Object.is(n, -0)) return '0';
  return String(n);
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function writeValue(v: unknown, parts: string[], ancestors: Set<object>): void {
  switch (typeof v) {
    case 'undefined':
      parts.push('undefined');
      return;
    case 'boolean':
      parts.push(v ? 'true' : 'false');
      return;
    case 'number':
      parts.push(canonicalNumber(v));
      return;
    case 'string':
      parts.push(JSON.stringify(v));
      return;
    case 'object':
      if (v === null) parts.push('null');
      else writeObject(v, parts, ancestors);
      return;
    default:
      assert(false, `stableHash: a ${typeof v} has no canonical form`);
  }
}

function writeObject(v: object, parts: string[], ancestors: Set<object>): void {
  if (v instanceof Uint8Array) {
    parts.push('x"', Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'), '"');
    return;
  }
  assert(!ancestors.has(v), 'stableHash: the value contains a cycle');
  ancestors.add(v);
  if (Array.isArray(v)) {
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) parts.push(',');
      writeValue(v[i], parts, ancestors);
    }
    parts.push(']');
  } else {
    assert(
      isPlainObject(v),
      `stableHash: a ${v.constructor?.name ?? 'non-plain'} object has no canonical form`,
    );
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    parts.push('{');
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) parts.push(',');
      parts.push(JSON.stringify(keys[i]), ':');
      writeValue(record[keys[i]!], parts, ancestors);
    }
    parts.push('}');
  }
  ancestors.delete(v);
}

/** The canonical text of a JSON-like value (see the file comment). */
export function canonicalString(value: unknown): string {
  const parts: string[] = [];
  writeValue(value, parts, new Set());
  return parts.join('');
}

/** sha256 (hex) of the canonical text of `value`. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalString(value), 'utf8').digest('hex');
}

/**
 * sha256 (hex) of a trace: the canonical text of each event followed by a newline, fed to the
 * hash one event at a time so a long trace is never held as one string.
 */
export function traceHash(trace: readonly TraceEvent[]): string {
  const h = createHash('sha256');
  for (const event of trace) {
    h.update(canonicalString(event), 'utf8');
    h.update('\n', 'utf8');
  }
  return h.digest('hex');
}
