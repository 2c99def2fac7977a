import { describe, expect, test } from 'vitest';
import { cpuId, hostId, threadId } from '../../src/core/ids';
import type { TraceEvent } from '../../src/core/trace';
import { instant } from '../../src/core/time';
import { conflictCycle, ownershipViolations } from './audit';

/** The test-side audits themselves, on hand-written traces: each can say no. */

let seq = 0;
const ev = (body: object): TraceEvent =>
  ({ ...body, host: hostId(0), seq: seq++, t: instant(0) }) as TraceEvent;
const access = (
  txn: number,
  object: string,
  mode: 'r' | 'w',
  cpu = 0,
  tokens: string[] = [],
): TraceEvent =>
  ev({ kind: 'access', cpu: cpuId(cpu), thread: threadId(txn), txn, object, mode, tokens });

describe('audits', () => {
  test('conflict graph: r1(x) w2(x) w1(x) is a cycle; r1(x) w1(x) w2(x) is not', () => {
    expect(
      conflictCycle([access(1, 'x', 'r'), access(2, 'x', 'w'), access(1, 'x', 'w')]),
    ).not.toBeNull();
    expect(
      conflictCycle([access(1, 'x', 'r'), access(1, 'x', 'w'), access(2, 'x', 'w')]),
    ).toBeNull();
    expect(
      conflictCycle([
        access(1, 'x', 'w'),
        access(2, 'x', 'r'),
        access(2, 'y', 'w'),
        access(1, 'y', 'r'),
      ]),
    ).not.toBeNull();
  });

  test('ownership: owner CPU, token held, no writes to immutable, declared objects only', () => {
    const trace = [
      ev({ kind: 'object', object: 'o', discipline: { kind: 'owned', cpu: 1 } }),
      ev({ kind: 'object', object: 'g', discipline: { kind: 'guarded', token: 't' } }),
      ev({ kind: 'object', object: 'i', discipline: { kind: 'immutable' } }),
      access(1, 'o', 'r', 1),
      access(1, 'g', 'w', 0, ['t']),
      access(1, 'i', 'r'),
      access(2, 'o', 'r', 0),
      access(2, 'g', 'r', 0),
      access(2, 'i', 'w'),
      access(2, 'z', 'r'),
    ];
    expect(ownershipViolations(trace)).toHaveLength(4);
  });
});
