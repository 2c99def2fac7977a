/**
 * A send in two halves (ModelInput `phase`): an asynchronous send decides its result on the user
 * side (UP-7's checks) and binds and transmits later on the socket's owner (UP-8). A replay that
 * linearizes the halves separately feeds them separately; fed back to back they must be exactly
 * the atomic send. The network may change the socket between the halves (an ICMP error), and
 * the protocol half then does what DragonFly's asynchronous `udp_send` does: it ignores the
 * pending error, and its own failures are lost.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Endpoint } from '../../../src/core/addr';
import { port } from '../../../src/core/addr';
import type { Fd } from '../../../src/core/ids';
import { udpFlowCpu } from '../../../src/core/toeplitz';
import type { CallPhase } from '../../../src/model/host';
import { initialModelHost, modelStep } from '../../../src/model/host';
import { socketOwner } from '../../../src/model/netisr/owner';
import { EPHEMERAL_COUNT } from '../../../src/model/socket/ports';
import { produce } from 'immer';
import { cpuId, fd } from '../../../src/core/ids';
import { EPHEMERAL_FIRST } from '../../../src/core/addr';
import {
  ModelHarness, OTHER, PEER, SELF, ep, fail, hostConfig, icmpFrame, payload, wire,
} from '../harness';

function half(h: ModelHarness, s: Fd, phase: CallPhase, data: Uint8Array, to?: Endpoint) {
  const call = h.makeCall({ op: 'send', fd: s, data, nonblocking: false, ...(to ? { to } : {}) });
  return { call, out: h.step({ kind: 'call', call, phase }) };
}

describe('a send in two halves', () => {
  it('the user half returns the result and changes nothing else', () => {
    const h = new ModelHarness();
    const s = h.socket();
    const { call, out } = half(h, s, 'user', payload(10), ep(PEER, 7));
    expect(out).toEqual({ frames: [], completions: [{ call: call.id, result: { ok: true, value: { kind: 'sent', bytes: 10 } } }] });
    expect(h.lport(s)).toBeNull();
    expect(h.state.portCursor).toBe(49152);
  });

  it('the user half fails exactly as the atomic send does, and reports a pending error once', () => {
    const h = new ModelHarness({ udp: { maxdgram: 10 } });
    const s = h.socket();
    expect(half(h, s, 'user', payload(3)).out.completions[0]!.result).toEqual(fail('EDESTADDRREQ'));
    expect(half(h, s, 'user', payload(11), ep(PEER, 7)).out.completions[0]!.result).toEqual(fail('EMSGSIZE'));
    h.connect(s, ep(PEER, 7));
    expect(half(h, s, 'user', payload(3), ep(PEER, 7)).out.completions[0]!.result).toEqual(fail('EISCONN'));
    h.send(s, 3);
    h.deliver(icmpFrame(PEER, SELF, 3, 3, h.last.frames[0]!.slice(0, 28)));
    expect(half(h, s, 'user', payload(3)).out.completions[0]!.result).toEqual(fail('ECONNREFUSED'));
    expect(half(h, s, 'user', payload(3)).out.completions[0]!.result).toMatchObject({ ok: true });
    h.call({ op: 'shutdown', fd: s });
    expect(half(h, s, 'user', payload(3)).out.completions[0]!.result).toEqual(fail('EPIPE'));
    h.close(s);
    expect(half(h, s, 'user', payload(3)).out.completions[0]!.result).toEqual(fail('EBADF'));
  });

  it('the protocol half binds if needed and transmits, with no completion', () => {
    const h = new ModelHarness();
    const s = h.socket();
    const { out } = half(h, s, 'proto', payload(10), ep(PEER, 7));
    expect(out.completions).toEqual([]);
    expect(out.frames).toHaveLength(1);
    expect(h.lport(s)).toBe(49152);
    expect([wire.udpSport(out.frames[0]!), wire.ipDst(out.frames[0]!), wire.udpDport(out.frames[0]!)]).toEqual([49152, PEER, 7]);
  });

  it('the protocol half ignores an error that arrived after the user half, and leaves it pending', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.connect(s, ep(PEER, 7));
    h.send(s, 3);
    const icmp = icmpFrame(PEER, SELF, 3, 3, h.last.frames[0]!.slice(0, 28));
    expect(half(h, s, 'user', payload(5)).out.completions[0]!.result).toMatchObject({ ok: true });
    h.deliver(icmp);
    expect(half(h, s, 'proto', payload(5)).out.frames).toHaveLength(1);
    expect(h.recv(s).result).toEqual(fail('ECONNREFUSED'));
  });

  it('the protocol half of a socket that is gone, or without a free port, is lost silently', () => {
    const h = new ModelHarness();
    const s = h.socket();
    h.close(s);
    expect(half(h, s, 'proto', payload(5), ep(PEER, 7)).out).toEqual({ frames: [], completions: [] });
    const full = new ModelHarness();
    full.state = produce(full.state, (d) => {
      for (let i = 0; i < EPHEMERAL_COUNT; i++) {
        d.udp.sockets.push({
          fd: fd(1000 + i), createdCpu: cpuId(0), lport: port(EPHEMERAL_FIRST + i), peer: null,
          cantSendMore: false, error: null, rcv: [], rcvBytes: 0,
        });
      }
    });
    const t = full.socket();
    expect(half(full, t, 'proto', payload(5), ep(PEER, 7)).out).toEqual({ frames: [], completions: [] });
    expect(full.lport(t)).toBeNull();
  });

  it('UP-15 with halves: the user half is on the user side, the protocol half on the owner before the call', () => {
    const N = 4;
    const h = new ModelHarness({ ncpus: N });
    const s = h.socket(1);
    const at = (phase: CallPhase, to?: Endpoint) =>
      h.owner({ kind: 'call', call: h.makeCall({ op: 'send', fd: s, data: payload(1), nonblocking: false, ...(to ? { to } : {}) }), phase });
    expect(at('user', ep(OTHER, 7))).toBeNull();
    expect(at('proto', ep(OTHER, 7))).toBe(1);
    h.bind(s, 5002);
    expect(at('proto', ep(OTHER, 7))).toBe(5002 % N);
    h.connect(s, ep(PEER, 7));
    expect(at('proto')).toBe(udpFlowCpu(SELF, PEER, N));
    expect(at('proto')).toBe(socketOwner(h.state, s));
  });

  it('both halves back to back are exactly the atomic send', () => {
    const anyTo = fc.option(fc.record({ addr: fc.constantFrom(PEER, OTHER), port: fc.constantFrom(7, 9).map(port) }), { nil: undefined });
    fc.assert(
      fc.property(fc.array(fc.record({ n: fc.integer({ min: 0, max: 30 }), to: anyTo, connect: fc.boolean() }), { maxLength: 8 }), (sends) => {
        const config = hostConfig(3, { maxdgram: 20 });
        let atomic = initialModelHost(config, SELF, 0);
        let split = atomic;
        let id = 1;
        const step = (s: typeof atomic, input: Parameters<typeof modelStep>[1]) => modelStep(s, input, 0 as never);
        const sock = { id: 0 as never, app: 0, cpu: cpuId(0), req: { op: 'socket', proto: 'udp' } } as const;
        atomic = step(atomic, { kind: 'call', call: sock }).state;
        split = step(split, { kind: 'call', call: sock }).state;
        for (const { n, to, connect } of sends) {
          if (connect) {
            const c = { id: id++ as never, app: 0, cpu: cpuId(0), req: { op: 'connect', fd: fd(3), remote: ep(PEER, 9), nonblocking: false } } as const;
            atomic = step(atomic, { kind: 'call', call: c }).state;
            split = step(split, { kind: 'call', call: c }).state;
          }
          const call = { id: id++ as never, app: 0, cpu: cpuId(0), req: { op: 'send', fd: fd(3), data: payload(n), nonblocking: false, ...(to ? { to } : {}) } } as const;
          const a = step(atomic, { kind: 'call', call });
          const u = step(split, { kind: 'call', call, phase: 'user' });
          const ok = u.outputs.completions[0]!.result.ok;
          const p = ok ? step(u.state, { kind: 'call', call, phase: 'proto' }) : u;
          expect(u.outputs.completions).toEqual(a.outputs.completions);
          expect(ok ? p.outputs.frames : []).toEqual(a.outputs.frames);
          atomic = a.state;
          split = p.state;
          expect(split).toEqual(atomic);
        }
      }),
      { numRuns: 200 },
    );
  });
});
