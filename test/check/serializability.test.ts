/**
 * Ownership and serializability (ARCHITECTURE §6.3). Method: small traces of 'object', 'access'
 * and 'token' events written by hand. A disciplined, serializable trace passes; each bad trace
 * breaks one of (a) owner CPU, (b) token held / immutability / declaration, (c) acyclic conflict
 * graph, (d) no token on the data path.
 */
import { describe, expect, it } from 'vitest';
import {
  DATA_PATH_DEFAULT,
  checkSerializability,
  tokenAcquisitions,
} from '../../src/check/serializability';
import { cpuId } from '../../src/core/ids';
import { TraceBuilder } from './builders';
import { expectFailure, expectPass } from './expect';

const owned = (cpu: number) => ({ kind: 'owned', cpu: cpuId(cpu) }) as const;
const guarded = (token: string) => ({ kind: 'guarded', token }) as const;
const immutable = { kind: 'immutable' } as const;
const internal = { kind: 'internal', what: 'test' } as const;

/** Host 0 with a per-CPU table on CPU 0, a token-guarded sockbuf and an immutable config. */
function declared(): TraceBuilder {
  const b = new TraceBuilder([{ ncpus: 2 }]);
  b.object(0, 'pcb:0', owned(0));
  b.object(0, 'sb:3', guarded('sb:3'));
  b.object(0, 'cfg', immutable);
  return b;
}

describe('serializability', () => {
  it('accepts disciplined accesses by transactions that run one after another', () => {
    const b = declared();
    b.token(0, { cpu: 1, thread: 101, token: 'sb:3', op: 'acquire', path: 'so.recv' });
    b.access(0, { cpu: 1, thread: 101, txn: 1, object: 'sb:3', mode: 'w', tokens: ['sb:3'] });
    b.access(0, { cpu: 1, thread: 101, txn: 1, object: 'cfg', mode: 'r' });
    b.token(0, { cpu: 1, thread: 101, token: 'sb:3', op: 'release', path: 'so.recv' });
    b.commit(0, { cpu: 1, thread: 101, txn: 1, input: internal, linearizes: false });
    b.access(0, { cpu: 0, thread: 0, txn: 2, object: 'pcb:0', mode: 'w' });
    b.access(0, { cpu: 0, thread: 0, txn: 2, object: 'sb:3', mode: 'r', tokens: ['sb:3'] });
    b.commit(0, { cpu: 0, thread: 0, txn: 2, input: internal, linearizes: false });
    expectPass(checkSerializability(b.run()));
  });

  it('(a) reports an access to per-CPU state from another CPU', () => {
    const b = declared();
    b.access(0, { cpu: 1, thread: 1, txn: 1, object: 'pcb:0', mode: 'r' });
    const f = expectFailure(checkSerializability(b.run()), 'owned-off-cpu');
    expect(f.message).toBe(
      'host 0: read of pcb:0 by thread 1 on CPU 1 in txn 1, but it is owned by CPU 0',
    );
    expect(f.details).toContain('object pcb:0: owned by CPU 0 at this point');
  });

  it('(a) follows an object to its new owner when it is re-declared (so_port moved, D.9)', () => {
    const b = declared();
    b.object(0, 'pcb:0', owned(1));
    b.access(0, { cpu: 1, thread: 1, txn: 1, object: 'pcb:0', mode: 'w' });
    expectPass(checkSerializability(b.run()));
    b.access(0, { cpu: 0, thread: 0, txn: 2, object: 'pcb:0', mode: 'w' });
    expectFailure(checkSerializability(b.run()), 'owned-off-cpu');
  });

  it('(b) reports an access to guarded state without its token', () => {
    const b = declared();
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'sb:3', mode: 'w', tokens: ['other'] });
    b.commit(0, { cpu: 0, thread: 0, txn: 1, input: { kind: 'rollup' }, linearizes: true });
    const f = expectFailure(checkSerializability(b.run()), 'guarded-without-token');
    expect(f.message).toContain('without its token sb:3');
    expect(f.details).toContain('tokens held: other');
    expect(f.details).toContain('transaction: host 0 txn 1: rollup, linearizing');
  });

  it('(b) reports a write to immutable state and an access to an undeclared object', () => {
    const b = declared();
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'cfg', mode: 'w' });
    expectFailure(checkSerializability(b.run()), 'immutable-write');
    const c = declared();
    c.access(0, { cpu: 0, thread: 0, txn: 1, object: 'mystery', mode: 'r' });
    expectFailure(checkSerializability(c.run()), 'undeclared-object');
  });

  it('(c) reports a conflict cycle between two interleaved transactions', () => {
    const b = new TraceBuilder([{ ncpus: 2 }]);
    b.object(0, 'x', guarded('t'));
    b.object(0, 'y', guarded('t'));
    const t = ['t'];
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'x', mode: 'w', tokens: t });
    b.access(0, { cpu: 1, thread: 1, txn: 2, object: 'x', mode: 'r', tokens: t });
    b.access(0, { cpu: 1, thread: 1, txn: 2, object: 'y', mode: 'w', tokens: t });
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'y', mode: 'r', tokens: t });
    const f = expectFailure(checkSerializability(b.run()), 'conflict-cycle');
    expect(f.message).toBe(
      'host 0: transactions 1 → 2 → 1 form a conflict cycle over x, y: the run is not conflict ' +
        'serializable',
    );
    expect(f.atSeq).toBe(5);
    expect(f.details).toContain('  txn 1 w x @2 → txn 2 r x @3');
    expect(f.details).toContain('  txn 2 w y @4 → txn 1 r y @5');
  });

  it('(c) finds a longer cycle, and ignores read-read pairs', () => {
    const b = new TraceBuilder([{ ncpus: 4 }]);
    for (const o of ['a', 'b', 'c']) b.object(0, o, immutable);
    // Reads only: T1 and T2 share 'a' without conflict.
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'a', mode: 'r' });
    b.access(0, { cpu: 1, thread: 1, txn: 2, object: 'a', mode: 'r' });
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'a', mode: 'r' });
    expectPass(checkSerializability(b.run()));

    const c = new TraceBuilder([{ ncpus: 4 }]);
    for (const o of ['a', 'b', 'c']) c.object(0, o, guarded('g'));
    const g = ['g'];
    c.access(0, { cpu: 0, thread: 0, txn: 1, object: 'a', mode: 'w', tokens: g });
    c.access(0, { cpu: 1, thread: 1, txn: 2, object: 'a', mode: 'r', tokens: g });
    c.access(0, { cpu: 1, thread: 1, txn: 2, object: 'b', mode: 'w', tokens: g });
    c.access(0, { cpu: 2, thread: 2, txn: 3, object: 'b', mode: 'w', tokens: g });
    c.access(0, { cpu: 2, thread: 2, txn: 3, object: 'c', mode: 'w', tokens: g });
    c.access(0, { cpu: 0, thread: 0, txn: 1, object: 'c', mode: 'r', tokens: g });
    const f = expectFailure(checkSerializability(c.run()), 'conflict-cycle');
    expect(f.message).toContain('transactions 1 → 2 → 3 → 1');
  });

  it('(c) keeps transactions of different hosts apart even when names collide', () => {
    const b = new TraceBuilder([{ ncpus: 2 }, { ncpus: 2 }]);
    for (const h of [0, 1]) for (const o of ['x', 'y']) b.object(h, o, guarded('t'));
    const t = ['t'];
    // Same txn numbers and object names on two hosts: no cross-host conflict exists.
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'x', mode: 'w', tokens: t });
    b.access(1, { cpu: 1, thread: 1, txn: 2, object: 'x', mode: 'r', tokens: t });
    b.access(1, { cpu: 1, thread: 1, txn: 2, object: 'y', mode: 'w', tokens: t });
    b.access(0, { cpu: 0, thread: 0, txn: 1, object: 'y', mode: 'r', tokens: t });
    expectPass(checkSerializability(b.run()));
  });

  it('(d) reports a token taken on the data path, with a configurable set of paths', () => {
    const b = new TraceBuilder([{ ncpus: 2 }]);
    b.token(0, { cpu: 0, thread: 0, token: 'udp.pcbinfo', op: 'acquire', path: 'udp.input' });
    b.token(0, { cpu: 0, thread: 0, token: 'udp.pcbinfo', op: 'release', path: 'udp.input' });
    expectPass(checkSerializability(b.run()));
    const f = expectFailure(
      checkSerializability(b.run(), { dataPath: ['udp.input'] }),
      'data-path-token',
    );
    expect(f.message).toBe(
      'host 0: token udp.pcbinfo acquired on the data path (udp.input) by thread 0 on CPU 0',
    );
    b.token(0, { cpu: 1, thread: 1, token: 'tcb', op: 'acquire', path: 'tcp.input' });
    expectFailure(checkSerializability(b.run()), 'data-path-token');
  });

  it('(d) summarizes token acquisitions per path', () => {
    const b = new TraceBuilder([{ ncpus: 2 }]);
    const take = (path: string): void =>
      b.token(0, { cpu: 0, thread: 0, token: 'k', op: 'acquire', path });
    take('so.recv');
    take('tcp.output');
    take('so.recv');
    b.token(0, { cpu: 0, thread: 0, token: 'k', op: 'release', path: 'so.recv' });
    const s = tokenAcquisitions(b.run());
    expect(s.total).toBe(3);
    expect([...s.byPath]).toEqual([
      ['so.recv', 2],
      ['tcp.output', 1],
    ]);
    expect(s.onDataPath).toBe(1);
    expect(s.firstOnDataPath?.seq).toBe(1);
    expect(DATA_PATH_DEFAULT).toEqual(['tcp.input', 'tcp.output', 'tcp.timer', 'tcp.ack']);
  });
});
