import { formatEndpoint } from '../core/addr';
import type { Endpoint } from '../core/addr';
import { assertNever } from '../core/assert';
import type { AppCall, CallRequest, CallResult, CallValue } from '../core/socket';
import { formatInstant } from '../core/time';
import type { Instant } from '../core/time';
import type { CommitInput } from '../core/trace';

/**
 * Words for reports: calls, results, commit inputs and byte comparisons, spelled the same way by
 * every checker so failures read alike.
 */

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first index where `a` and `b` differ (a length difference counts), or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Up to `n` bytes of `b` from `at`, in hex: "1f 00 a3 …". */
export function hexAt(b: Uint8Array, at: number, n = 8): string {
  const parts: string[] = [];
  for (let i = at; i < Math.min(b.length, at + n); i++)
    parts.push(b[i]!.toString(16).padStart(2, '0'));
  if (b.length > at + n) parts.push('…');
  return parts.length === 0 ? '(end)' : parts.join(' ');
}

export const at = (t: Instant): string => `t=${formatInstant(t)}`;

function formatRequest(r: CallRequest): string {
  switch (r.op) {
    case 'socket':
      return `socket(${r.proto})`;
    case 'bind':
      return `bind(fd ${r.fd}, port ${r.port})`;
    case 'connect':
      return (
        `connect(fd ${r.fd}, ` +
        `${formatEndpoint(r.remote)}${r.nonblocking ? ', nonblocking' : ''})`
      );
    case 'listen':
      return `listen(fd ${r.fd}, ${r.backlog})`;
    case 'accept':
      return `accept(fd ${r.fd}${r.nonblocking ? ', nonblocking' : ''})`;
    case 'send': {
      const to = r.to !== undefined ? `, to ${formatEndpoint(r.to)}` : '';
      return `send(fd ${r.fd}, ${r.data.length} bytes${to}${r.nonblocking ? ', nonblocking' : ''})`;
    }
    case 'recv':
      return `recv(fd ${r.fd}, max ${r.maxBytes}${r.nonblocking ? ', nonblocking' : ''})`;
    case 'shutdown':
    case 'close':
    case 'abort':
      return `${r.op}(fd ${r.fd})`;
    default:
      return assertNever(r, 'call request');
  }
}

/** "call 7 (app 1, CPU 0): send(fd 3, 100 bytes, to 10.0.0.2:7)". */
export const formatCall = (c: AppCall): string =>
  `call ${c.id} (app ${c.app}, CPU ${c.cpu}): ${formatRequest(c.req)}`;

const fromText = (from: Endpoint | undefined): string =>
  from !== undefined ? ` from ${formatEndpoint(from)}` : '';

function formatValue(v: CallValue): string {
  switch (v.kind) {
    case 'none':
      return 'ok';
    case 'fd':
      return `fd ${v.fd}`;
    case 'accepted':
      return `accepted fd ${v.fd} from ${formatEndpoint(v.remote)}`;
    case 'sent':
      return `sent ${v.bytes}`;
    case 'data':
      return `data ${v.data.length} bytes${fromText(v.from)} [${hexAt(v.data, 0)}]`;
    default:
      return assertNever(v, 'call value');
  }
}

export const formatResult = (r: CallResult): string => (r.ok ? formatValue(r.value) : r.error);

const sameEndpoint = (a: Endpoint | undefined, b: Endpoint | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.addr === b.addr && a.port === b.port;

function valueDifference(a: CallValue, b: CallValue): string | null {
  if (a.kind !== b.kind) return `${a.kind} ≠ ${b.kind}`;
  switch (a.kind) {
    case 'none':
      return null;
    case 'fd':
      return a.fd === (b as typeof a).fd ? null : `fd ${a.fd} ≠ ${(b as typeof a).fd}`;
    case 'accepted': {
      const o = b as typeof a;
      if (a.fd !== o.fd) return `fd ${a.fd} ≠ ${o.fd}`;
      return sameEndpoint(a.remote, o.remote)
        ? null
        : `remote ${formatEndpoint(a.remote)} ≠ ${formatEndpoint(o.remote)}`;
    }
    case 'sent':
      return a.bytes === (b as typeof a).bytes
        ? null
        : `sent ${a.bytes} ≠ ${(b as typeof a).bytes}`;
    case 'data': {
      const o = b as typeof a;
      if (!sameEndpoint(a.from, o.from)) return `from${fromText(a.from)} ≠${fromText(o.from)}`;
      const i = firstDifference(a.data, o.data);
      if (i < 0) return null;
      if (a.data.length !== o.data.length) return `${a.data.length} bytes ≠ ${o.data.length} bytes`;
      return `data byte ${i}: ${hexAt(a.data, i, 4)} ≠ ${hexAt(o.data, i, 4)}`;
    }
    default:
      return assertNever(a, 'call value');
  }
}

/** How two call results differ (first difference, "a ≠ b"), or null if they are equal. */
export function resultDifference(a: CallResult, b: CallResult): string | null {
  if (a.ok && b.ok) return valueDifference(a.value, b.value);
  if (!a.ok && !b.ok) return a.error === b.error ? null : `${a.error} ≠ ${b.error}`;
  return `${formatResult(a)} ≠ ${formatResult(b)}`;
}

export function formatCommitInput(i: CommitInput): string {
  switch (i.kind) {
    case 'frame':
      return `frame delivery ${i.delivery}`;
    case 'call':
      return `call ${i.call} (${i.phase} side)`;
    case 'timer':
      return `timer ${i.timer} of ${i.conn}`;
    case 'rollup':
      return 'rollup';
    case 'internal':
      return `internal: ${i.what}`;
    default:
      return assertNever(i, 'commit input');
  }
}
