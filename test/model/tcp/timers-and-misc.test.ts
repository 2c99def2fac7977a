/**
 * Method: the pure API is driven directly (tcpTimerFires, tcpPollAt, tcpRollup, tcpIcmpArrives)
 * on states produced by the relay, to pin down the timer-input rules of docs/TCP-PROFILE.md
 * (TP-2, TP-3, TP-22, TP-29), PAWS (A.13), ICMP to TCP (B.7) and the constants' relations.
 */
import { describe, expect, it } from 'vitest';
import { encodePacket, icmpQuote } from '../../../src/core/codec';
import { cpuId } from '../../../src/core/ids';
import type { Packet } from '../../../src/core/packet';
import { ICMP_UNREACH, ICMP_UNREACH_PORT, TH_ACK, TH_SYN } from '../../../src/core/packet';
import { seqAdd } from '../../../src/core/seq';
import { instant } from '../../../src/core/time';
import {
  checkConstants, tcpIcmpArrives, tcpPollAt, tcpRollup, tcpSegmentArrives, tcpStatus, tcpTimerFires,
  tcpTimerOwner,
} from '../../../src/model/tcp';
import { SERVER_PORT, established, listening } from './fixtures';
import { bytes } from './relay';

describe('TCP model: timer inputs, rollups, PAWS, ICMP', () => {
  it('constants keep their relations (STYLE P6)', () => {
    expect(() => checkConstants()).not.toThrow();
  });

  it('a timer input that is not armed, or not yet due, is a no-op (TP-3, D.10)', () => {
    const { r, client } = established();
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: true });
    const due = tcpPollAt(r.a.state)!;
    expect(due.timer).toBe('rexmt');
    const early = tcpTimerFires(r.a.state, r.a.ctx, due.conn, 'rexmt', instant(due.at - 1));
    expect(early.outputs.packets).toHaveLength(0);
    expect(early.state).toBe(r.a.state);
    const unarmed = tcpTimerFires(r.a.state, r.a.ctx, due.conn, 'persist', instant(due.at));
    expect(unarmed.outputs.packets).toHaveLength(0);
    const unknown = tcpTimerFires(r.a.state, r.a.ctx, 'no such conn', 'rexmt', instant(due.at));
    expect(unknown.outputs.packets).toHaveLength(0);
    const fired = tcpTimerFires(r.a.state, r.a.ctx, due.conn, 'rexmt', instant(due.at));
    expect(fired.outputs.packets).toHaveLength(1);
    expect(tcpTimerOwner(r.a.state, due.conn, 'rexmt')).toBe(cpuId(0));
  });

  it('timers due at the same instant fire in D.10 order, connections by creation (TP-3)', () => {
    const { r, client } = established();
    r.call('a', { op: 'send', fd: client, data: bytes(100), nonblocking: true });
    const tp = r.tcb('a');
    // delack and rexmt due together: delack first.
    const s = r.a.state;
    const so = s.sockets.find((x) => x.tcb !== null)!;
    const same = { ...s, sockets: s.sockets.map((x) => (x === so ? { ...x, tcb: { ...tp, timers: { ...tp.timers, delack: tp.timers.rexmt } } } : x)) };
    expect(tcpPollAt(same)?.timer).toBe('delack');
  });

  it('an ACK queued for aggregation waits in its CPU\'s list and goes out at that CPU\'s rollup only (TP-22, TP-29)', () => {
    const { r, client } = established({ ncpus: 4 });
    r.drop((_s, from) => from === 'a');
    r.call('a', { op: 'send', fd: client, data: bytes(2 * 1448), nonblocking: true });
    const segs = r.segs('a', { data: true }).map((w) => w.seg);
    expect(segs).toHaveLength(2);
    let st = r.b.state;
    let ctx = r.b.ctx;
    for (const tcp of segs) {
      const p: Packet = { ip: { src: r.a.addr, dst: r.b.addr, ttl: 64, id: 0, tos: 0, dontFragment: true }, body: { proto: 'tcp', tcp } };
      const step = tcpSegmentArrives(st, ctx, p, r.now);
      // The first arms the delayed ACK, the second is aggregated: nothing leaves yet.
      expect(step.outputs.packets).toHaveLength(0);
      st = step.state;
      ctx = step.ctx;
    }
    const so = st.sockets.find((x) => x.tcb !== null)!;
    expect(st.ackq[so.owner]).toEqual([so.tcb!.key]);
    for (let cpu = 0; cpu < 4; cpu++) {
      if (cpu === so.owner) continue;
      expect(tcpRollup(st, ctx, cpuId(cpu), r.now).outputs.packets).toHaveLength(0);
    }
    const out = tcpRollup(st, ctx, so.owner, r.now);
    expect(out.outputs.packets).toHaveLength(1);
    const ack = out.outputs.packets[0]!.body;
    expect(ack.proto === 'tcp' && ack.tcp.ack).toBe(so.tcb!.rcvNxt);
    expect(out.state.ackq[so.owner]).toEqual([]);
  });

  it('PAWS: a segment whose TSval is older than ts_recent is dropped with an ACK (PAWS-1 R1, A.13)', () => {
    const { r } = established();
    const tp = r.tcb('b');
    const before = r.segs('b').length;
    r.inject('b', {
      fromPort: tp.remote.port, toPort: SERVER_PORT, seq: tp.rcvNxt, ack: tp.sndNxt, flags: TH_ACK,
      window: 1792, payload: bytes(10), options: { timestamp: { val: (tp.tsRecent - 1000) >>> 0, ecr: 0 } },
    });
    expect(r.tcb('b').rcvNxt).toBe(tp.rcvNxt);
    const ack = r.segs('b')[before]!.seg;
    expect(ack.ack).toBe(tp.rcvNxt);
    // Within the tolerance of 25 and otherwise harmless, the same segment is accepted (paws_tolerance).
    r.inject('b', {
      fromPort: tp.remote.port, toPort: SERVER_PORT, seq: tp.rcvNxt, ack: tp.sndNxt, flags: TH_ACK,
      window: 1792, payload: bytes(10), options: { timestamp: { val: (tp.tsRecent - 10) >>> 0, ecr: 0 } },
    });
    expect(r.tcb('b').rcvNxt).toBe(seqAdd(tp.rcvNxt, 10));
  });

  it('an ICMP port unreachable quoting our SYN refuses the connect with ECONNREFUSED (B.7)', () => {
    const { r } = listening();
    const s = r.call('a', { op: 'socket', proto: 'tcp' });
    if (s?.ok !== true || s.value.kind !== 'fd') throw new Error('socket');
    r.drop((_x, from) => from === 'a');
    const id = r.callAsync('a', { op: 'connect', fd: s.value.fd, remote: r.ep('b', SERVER_PORT), nonblocking: false });
    const syn = r.segs('a')[0]!.seg;
    const synPacket: Packet = {
      ip: { src: r.a.addr, dst: r.b.addr, ttl: 64, id: 0, tos: 0, dontFragment: true },
      body: { proto: 'tcp', tcp: syn },
    };
    const icmp: Packet = {
      ip: { src: r.b.addr, dst: r.a.addr, ttl: 64, id: 0, tos: 0, dontFragment: true },
      body: { proto: 'icmp', icmp: { type: ICMP_UNREACH, code: ICMP_UNREACH_PORT, quoted: icmpQuote(encodePacket(synPacket)) } },
    };
    const step = tcpIcmpArrives(r.a.state, r.a.ctx, icmp, r.now);
    expect(step.outputs.completions).toEqual([{ call: id, result: { ok: false, error: 'ECONNREFUSED' } }]);
    expect(step.state.sockets.some((x) => x.tcb !== null)).toBe(false);
  });

  it('status lists listeners, connections and their states', () => {
    const { r } = established();
    expect(tcpStatus(r.b.state).map((x) => x.state)).toEqual([`LISTEN :${SERVER_PORT}`, 'ESTABLISHED']);
    expect(tcpStatus(r.a.state)[0]!.key).toBe(`tcp ${r.tcb('a').key}`);
    void TH_SYN;
  });
});
