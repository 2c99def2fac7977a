import { hostAddr, port } from '../../src/core/addr';
import type { IpAddr } from '../../src/core/addr';
import { encodePacket } from '../../src/core/codec';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../src/core/config';
import type { StackKind } from '../../src/core/config';
import { callId, cpuId, deliveryId, fd, frameId, hostId, threadId } from '../../src/core/ids';
import { TH_ACK, TH_PSH, TH_SYN } from '../../src/core/packet';
import type { RunRecord } from '../../src/core/run';
import type { SeqNum } from '../../src/core/seq';
import type { Instant } from '../../src/core/time';
import type { TraceBody, TraceEvent } from '../../src/core/trace';
import type { Scenario } from '../../src/scenario/types';

/**
 * A small synthetic run, written by hand so report tests do not depend on the stacks: two hosts;
 * a UDP datagram delivered, one dropped and one duplicated; a TCP SYN sent twice (a
 * retransmission) and a data segment; calls, commits, a token, an access and a state change.
 */

const ip = (src: IpAddr, dst: IpAddr) => ({ src, dst, ttl: 64, id: 1, tos: 0, dontFragment: false });

export function udpFrame(from: number, to: number, sport: number, dport: number, len: number): Uint8Array {
  return encodePacket({
    ip: ip(hostAddr(from), hostAddr(to)),
    body: { proto: 'udp', udp: { srcPort: port(sport), dstPort: port(dport), payload: new Uint8Array(len).fill(7) } },
  });
}

export function tcpFrame(from: number, to: number, seq: number, flags: number, len: number): Uint8Array {
  return encodePacket({
    ip: ip(hostAddr(from), hostAddr(to)),
    body: {
      proto: 'tcp',
      tcp: {
        srcPort: port(49152), dstPort: port(80), seq: seq as SeqNum, ack: 0 as SeqNum, flags,
        window: 65535, urgent: 0, options: (flags & TH_SYN) !== 0 ? { mss: 1460 } : {},
        payload: new Uint8Array(len).fill(1),
      },
    },
  });
}

const h = hostId;
const c = cpuId;

export function syntheticBodies(): TraceBody[] {
  return [
    { kind: 'phase', phase: 'safety' },
    { kind: 'call-issued', host: h(0), call: { id: callId(1), app: 0, cpu: c(1), req: { op: 'socket', proto: 'udp' } } },
    { kind: 'commit', host: h(0), cpu: c(1), thread: threadId(3), txn: 1, input: { kind: 'call', call: callId(1), phase: 'user' }, linearizes: true, frames: [], completions: [callId(1)] },
    { kind: 'call-completed', host: h(0), call: callId(1), result: { ok: true, value: { kind: 'fd', fd: fd(3) } } },
    { kind: 'frame-sent', host: h(0), frame: frameId(1), bytes: udpFrame(0, 1, 49152, 7, 100) },
    { kind: 'frame-fate', frame: frameId(1), fate: 'deliver', delayUs: 0 },
    { kind: 'frame-sent', host: h(0), frame: frameId(2), bytes: udpFrame(0, 1, 49152, 7, 20) },
    { kind: 'frame-fate', frame: frameId(2), fate: 'drop', delayUs: 0 },
    { kind: 'frame-sent', host: h(0), frame: frameId(3), bytes: udpFrame(0, 1, 49152, 7, 30) },
    { kind: 'frame-fate', frame: frameId(3), fate: 'duplicate', delayUs: 50 },
    { kind: 'frame-delivered', host: h(1), frame: frameId(1), delivery: deliveryId(1) },
    { kind: 'msg-sent', host: h(1), msg: 1, port: c(0), sender: threadId(0), input: { kind: 'frame', delivery: deliveryId(1) } },
    { kind: 'token', host: h(1), cpu: c(0), thread: threadId(1), token: 'sockbuf:4', op: 'acquire', path: 'udp_input' },
    { kind: 'access', host: h(1), cpu: c(0), thread: threadId(1), txn: 2, object: 'sockbuf:4', mode: 'w', tokens: ['sockbuf:4'] },
    { kind: 'commit', host: h(1), cpu: c(0), thread: threadId(1), txn: 2, input: { kind: 'frame', delivery: deliveryId(1) }, linearizes: true, msg: 1, frames: [], completions: [] },
    { kind: 'frame-delivered', host: h(1), frame: frameId(3), delivery: deliveryId(2) },
    { kind: 'frame-delivered', host: h(1), frame: frameId(3), delivery: deliveryId(3) },
    { kind: 'frame-sent', host: h(0), frame: frameId(4), bytes: tcpFrame(0, 1, 1000, TH_SYN, 0) },
    { kind: 'frame-fate', frame: frameId(4), fate: 'partitioned', delayUs: 0 },
    { kind: 'frame-sent', host: h(0), frame: frameId(5), bytes: tcpFrame(0, 1, 1000, TH_SYN, 0) },
    { kind: 'frame-fate', frame: frameId(5), fate: 'deliver', delayUs: 0 },
    { kind: 'state', host: h(0), conn: '10.0.0.1:49152-10.0.0.2:80', from: 'CLOSED', to: 'SYN-SENT' },
    { kind: 'frame-sent', host: h(0), frame: frameId(6), bytes: tcpFrame(0, 1, 1001, TH_ACK | TH_PSH, 10) },
    { kind: 'note', host: h(1), text: 'receive buffer full' },
    { kind: 'phase', phase: 'liveness' },
  ];
}

/** The bodies stamped 100 µs apart with sequence numbers 0, 1, 2 … */
export function syntheticTrace(): TraceEvent[] {
  return syntheticBodies().map((b, seq) => ({ ...b, seq, t: (100 * (seq + 1)) as Instant }));
}

const hostInfo = (index: number, stack: StackKind, ncpus: number) => ({
  index,
  addr: hostAddr(index),
  config: { stack, ncpus, hz: 100, tcp: TCP_DEFAULTS, udp: UDP_DEFAULTS },
});

export function syntheticRun(): RunRecord {
  const trace = syntheticTrace();
  return {
    hosts: [hostInfo(0, 'impl', 2), hostInfo(1, 'model', 1)],
    trace,
    outcome: { kind: 'quiescent' },
    apps: [],
    choicesMade: [0, 1],
    safetyEndUs: 10_000,
    stats: { steps: 12, decisions: 2, events: trace.length, endUs: trace.at(-1)!.t },
  };
}

export function syntheticScenario(): Scenario {
  return {
    version: 1,
    seed: 7,
    hosts: [{ stack: 'impl', ncpus: 2 }, { stack: 'model', ncpus: 1, udp: { recvspace: 100 } }],
    links: [{ a: 0, b: 1, delayUs: 100, jitterUs: 0, capacity: 0 }],
    faults: { frames: [{ link: 0, dir: 'ab', index: 1, fate: 'drop' }], partitions: [{ link: 0, startUs: 1500, endUs: 2000 }] },
    apps: [
      {
        host: 0, cpu: 1, startUs: 0,
        steps: [
          { op: 'socket', proto: 'udp', name: 's' },
          { op: 'send', sock: 's', bytes: 100, to: { host: 1, port: 7 } },
          { op: 'send', sock: 's', bytes: 100, to: { host: 1, port: 7 } },
          { op: 'send', sock: 's', bytes: 100, to: { host: 1, port: 7 } },
          { op: 'close', sock: 's' },
        ],
      },
    ],
    schedule: { choices: [0, 1], then: { kind: 'pct', seed: 3, depth: 2 } },
    limits: { safetyUs: 10_000, livenessUs: 100_000, maxSteps: 10_000 },
  };
}
