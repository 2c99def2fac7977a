/**
 * Method: a RunRecord written event by event, as the simulator and a stack would leave it — frames
 * sent and delivered, the commits that applied each delivery and list the frames they sent, app
 * calls — and the connection traces `extractConnections` reads out of it: which side sent what,
 * where each side processed each arrival, why each segment was sent, and what the application had
 * written. Then `checkRules` end to end: a run whose first flight breaks the initial window yields
 * a verdict whose kind is the rule ID.
 */
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../src/core/addr';
import { hostAddr, port } from '../../../src/core/addr';
import { encodePacket } from '../../../src/core/codec';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../../src/core/config';
import type { CallId, DeliveryId, FrameId } from '../../../src/core/ids';
import { callId, cpuId, deliveryId, fd, frameId, hostId, threadId } from '../../../src/core/ids';
import type { TcpSegment } from '../../../src/core/packet';
import { TH_ACK, TH_SYN } from '../../../src/core/packet';
import type { RunRecord } from '../../../src/core/run';
import { seq } from '../../../src/core/seq';
import type { CallRequest, CallResult } from '../../../src/core/socket';
import { instant } from '../../../src/core/time';
import type { CommitInput, TraceBody, TraceEvent } from '../../../src/core/trace';
import { checkRules, extractConnections } from '../../../src/check/rules';

const A: Endpoint = { addr: hostAddr(0), port: port(49152) };
const B: Endpoint = { addr: hostAddr(1), port: port(80) };

class RunBuilder {
  readonly trace: TraceEvent[] = [];
  now = 0;
  private frames = 0;
  private deliveries = 0;
  private txns = 0;

  at(ms: number): this {
    this.now = ms * 1000;
    return this;
  }

  emit(body: TraceBody): void {
    this.trace.push({ ...body, seq: this.trace.length, t: instant(this.now) } as TraceEvent);
  }

  /** Host `from` transmits a TCP segment; returns its frame id. */
  send(from: 0 | 1, seg: Omit<Partial<TcpSegment>, 'seq'> & { seq: number }, fate: 'deliver' | 'drop' = 'deliver'): FrameId {
    const [src, dst] = from === 0 ? [A, B] : [B, A];
    const tcp: TcpSegment = {
      srcPort: src.port, dstPort: dst.port, ack: seq(0), flags: TH_ACK, window: 65535, urgent: 0,
      options: {}, payload: new Uint8Array(0), ...seg, seq: seq(seg.seq),
    };
    const bytes = encodePacket({
      ip: { src: src.addr, dst: dst.addr, ttl: 64, id: 0, tos: 0, dontFragment: true },
      body: { proto: 'tcp', tcp },
    });
    const frame = frameId(this.frames++);
    this.emit({ kind: 'frame-sent', host: hostId(from), frame, bytes });
    this.emit({ kind: 'frame-fate', frame, fate, delayUs: 0 });
    return frame;
  }

  deliver(to: 0 | 1, frame: FrameId): DeliveryId {
    const delivery = deliveryId(this.deliveries++);
    this.emit({ kind: 'frame-delivered', host: hostId(to), frame, delivery });
    return delivery;
  }

  commit(host: 0 | 1, input: CommitInput, frames: FrameId[]): void {
    this.emit({
      kind: 'commit', host: hostId(host), cpu: cpuId(0), thread: threadId(0), txn: this.txns++, input,
      linearizes: true, frames, completions: [],
    });
  }

  call(host: 0 | 1, id: number, req: CallRequest): CallId {
    this.emit({ kind: 'call-issued', host: hostId(host), call: { id: callId(id), app: 0, cpu: cpuId(0), req } });
    return callId(id);
  }

  complete(host: 0 | 1, call: CallId, result: CallResult): void {
    this.emit({ kind: 'call-completed', host: hostId(host), call, result });
  }

  run(): RunRecord {
    const config = { stack: 'impl' as const, ncpus: 1, hz: 100, tcp: TCP_DEFAULTS, udp: UDP_DEFAULTS };
    return {
      hosts: [0, 1].map((index) => ({ index, addr: hostAddr(index), config })),
      trace: this.trace, outcome: { kind: 'quiescent' }, apps: [], choicesMade: [], safetyEndUs: 0,
      stats: { steps: 0, decisions: 0, events: this.trace.length, endUs: this.now },
    };
  }
}

const syn = (s: number) => ({ seq: s, flags: TH_SYN, options: { mss: 1460 } });

/** The handshake of A (ISS 100) and B (ISS 900), each arrival processed by a commit. */
function handshake(r: RunBuilder): void {
  r.at(0);
  const connect = r.call(0, 1, { op: 'connect', fd: fd(3), remote: B, nonblocking: false });
  const f0 = r.send(0, syn(100));
  r.commit(0, { kind: 'call', call: connect, phase: 'proto' }, [f0]);
  r.at(10);
  const d0 = r.deliver(1, f0);
  const f1 = r.send(1, { ...syn(900), flags: TH_SYN | TH_ACK, ack: seq(101) });
  r.commit(1, { kind: 'frame', delivery: d0 }, [f1]);
  r.at(20);
  const d1 = r.deliver(0, f1);
  const f2 = r.send(0, { seq: 101, ack: seq(901) });
  r.commit(0, { kind: 'frame', delivery: d1 }, [f2]);
  r.complete(0, connect, { ok: true, value: { kind: 'none' } });
  r.at(30);
  const d2 = r.deliver(1, f2);
  r.commit(1, { kind: 'frame', delivery: d2 }, []);
}

describe('extractConnections', () => {
  it('reads both sides of one connection, with causes and processing order', () => {
    const r = new RunBuilder();
    handshake(r);
    const conns = extractConnections(r.run());
    expect(conns).toHaveLength(1);
    const c = conns[0]!;
    expect(c.name).toBe('10.0.0.1:49152>10.0.0.2:80#0');
    expect(c.events.map((e) => `${e.dir} ${e.side} ${e.seg.seq}`)).toEqual([
      'out a 100', 'in b 100', 'out b 900', 'in a 900', 'out a 101', 'in b 101',
    ]);
    expect(c.events[0]!.cause).toEqual({ kind: 'call', call: 1 });
    expect(c.events[2]!.cause).toEqual({ kind: 'in', index: 1 });
    expect(c.events[4]!.cause).toEqual({ kind: 'in', index: 3 });
    expect(c.events.every((e) => e.delivered)).toBe(true);
    expect(c.events[3]!.traceSeq).toBeGreaterThan(0);
  });

  it('places an arrival where it was processed, after arrivals processed earlier', () => {
    const r = new RunBuilder();
    handshake(r);
    r.at(40);
    const x = r.send(0, { seq: 101, ack: seq(901), payload: new Uint8Array(10) });
    const y = r.send(0, { seq: 111, ack: seq(901), payload: new Uint8Array(10) });
    r.at(50);
    const dx = r.deliver(1, x);
    const dy = r.deliver(1, y); // both handed over at once, processed one after the other
    const ax = r.send(1, { seq: 901, ack: seq(111) });
    r.commit(1, { kind: 'frame', delivery: dx }, [ax]);
    const ay = r.send(1, { seq: 901, ack: seq(121) });
    r.commit(1, { kind: 'frame', delivery: dy }, [ay]);
    const c = extractConnections(r.run())[0]!;
    const tail = c.events.slice(-4).map((e) => `${e.dir} ${e.side} ${e.dir === 'in' ? e.seg.seq : e.seg.ack}`);
    expect(tail).toEqual(['in b 101', 'out b 111', 'in b 111', 'out b 121']);
  });

  it('marks lost segments as not delivered and takes timer causes from commits', () => {
    const r = new RunBuilder();
    handshake(r);
    r.at(40);
    r.send(0, { seq: 101, ack: seq(901), payload: new Uint8Array(10) }, 'drop');
    r.at(1240);
    const again = r.send(0, { seq: 101, ack: seq(901), payload: new Uint8Array(10) });
    r.commit(0, { kind: 'timer', conn: 'x', timer: 'rexmt' }, [again]);
    const c = extractConnections(r.run())[0]!;
    const outs = c.events.filter((e) => e.dir === 'out' && e.seg.payload.length > 0);
    expect(outs.map((e) => e.delivered)).toEqual([false, true]);
    expect(outs[1]!.cause).toEqual({ kind: 'timer', timer: 'rexmt' });
  });

  it('starts a new connection when a side sends a SYN with a new ISS', () => {
    const r = new RunBuilder();
    handshake(r);
    r.at(70_000);
    r.send(0, syn(5000));
    const conns = extractConnections(r.run());
    expect(conns.map((c) => c.name)).toEqual(['10.0.0.1:49152>10.0.0.2:80#0', '10.0.0.1:49152>10.0.0.2:80#1']);
    expect(conns[1]!.events).toHaveLength(1);
  });

  it("records what each application wrote, at the sends' completion times", () => {
    const r = new RunBuilder();
    handshake(r);
    r.at(35);
    const s = r.call(0, 2, { op: 'send', fd: fd(3), data: new Uint8Array(3000), nonblocking: false });
    r.at(36);
    r.complete(0, s, { ok: true, value: { kind: 'sent', bytes: 3000 } });
    const c = extractConnections(r.run())[0]!;
    expect(c.supply?.a).toEqual([{ t: instant(36_000), bytes: 3000 }]);
    expect(c.supply?.b).toBeUndefined();
  });
});

describe('checkRules', () => {
  it('passes a clean handshake and a first flight within the initial window', () => {
    const r = new RunBuilder();
    handshake(r);
    r.at(40);
    for (let k = 0; k < 3; k++) r.send(0, { seq: 101 + k * 1460, ack: seq(901), payload: new Uint8Array(1460) });
    expect(checkRules(r.run())).toEqual({ ok: true });
  });

  it('reports a broken rule with its ID as the verdict kind and the trace position', () => {
    const r = new RunBuilder();
    handshake(r);
    r.at(40);
    for (let k = 0; k < 4; k++) r.send(0, { seq: 101 + k * 1460, ack: seq(901), payload: new Uint8Array(1460) });
    const v = checkRules(r.run());
    if (v.ok) throw new Error('expected a failure');
    expect(v.kind).toBe('IW-1');
    expect(v.checker).toBe('tcp-rules');
    expect(v.message).toContain('10.0.0.1:49152>10.0.0.2:80#0');
    expect(v.atSeq).toBe(r.trace.filter((e) => e.kind === 'frame-sent').at(-1)!.seq);
  });
});
