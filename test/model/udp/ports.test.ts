/**
 * UP-3, the ephemeral port cursor: one host-wide cursor from 49152, first free port at or after
 * it, wrapping 65535 → 49152, moving just past each port it hands out; EADDRNOTAVAIL when every
 * port is held. Exhaustion is shown on a host whose sockets were put in place directly (16384
 * binds through the API would say nothing more), then exercised through the API.
 */
import { describe, expect, it } from 'vitest';
import { produce } from 'immer';
import { EPHEMERAL_FIRST, EPHEMERAL_LAST, port } from '../../../src/core/addr';
import { cpuId, fd } from '../../../src/core/ids';
import { EPHEMERAL_COUNT, nextEphemeral, pickEphemeral } from '../../../src/model/socket/ports';
import { ModelHarness, NONE, PEER, ep, fail } from '../harness';

describe('UP-3: ephemeral ports', () => {
  it('UP-3: successive ephemeral binds take 49152, 49153, 49154', () => {
    const h = new ModelHarness();
    const socks = [h.socket(), h.socket(), h.socket()];
    for (const s of socks) h.bind(s, 0);
    expect(socks.map((s) => h.lport(s))).toEqual([49152, 49153, 49154]);
  });

  it('UP-3: bind(0), connect and send draw from the same cursor', () => {
    const h = new ModelHarness();
    const a = h.socket();
    const b = h.socket();
    const c = h.socket();
    h.bind(a, 0);
    h.connect(b, ep(PEER, 7));
    h.send(c, 1, ep(PEER, 7));
    expect([h.lport(a), h.lport(b), h.lport(c)]).toEqual([49152, 49153, 49154]);
  });

  it('UP-3: a port held explicitly is skipped, and the cursor moves past the port taken', () => {
    const h = new ModelHarness();
    h.bind(h.socket(), 49152);
    h.bind(h.socket(), 49153);
    const s = h.socket();
    h.bind(s, 0);
    expect(h.lport(s)).toBe(49154);
    expect(h.state.portCursor).toBe(49155);
  });

  it('UP-3: the cursor does not go back to a port freed behind it', () => {
    const h = new ModelHarness();
    const a = h.socket();
    h.bind(a, 0);
    h.close(a);
    const b = h.socket();
    h.bind(b, 0);
    expect(h.lport(b)).toBe(49153);
  });

  it('UP-3: the cursor wraps from 65535 to 49152', () => {
    expect(nextEphemeral(EPHEMERAL_LAST)).toBe(EPHEMERAL_FIRST);
    expect(pickEphemeral(EPHEMERAL_LAST, () => false)).toEqual({ port: 65535, cursor: 49152 });
    expect(pickEphemeral(port(65534), (p) => p >= 65534)).toEqual({ port: 49152, cursor: 49153 });
  });

  it('UP-3: through the API, the port after 65535 is 49152 (or the next free one)', () => {
    const h = new ModelHarness();
    h.state = produce(h.state, (d) => { d.portCursor = port(65535); });
    const a = h.socket();
    h.bind(a, 49152);
    const b = h.socket();
    const c = h.socket();
    h.bind(b, 0);
    h.bind(c, 0);
    expect([h.lport(b), h.lport(c)]).toEqual([65535, 49153]);
  });

  it('UP-3: with every ephemeral port held, bind(0), connect and send fail EADDRNOTAVAIL', () => {
    const h = new ModelHarness();
    // 16384 sockets holding the whole range, as if bound one by one.
    h.state = produce(h.state, (d) => {
      for (let i = 0; i < EPHEMERAL_COUNT; i++) {
        d.udp.sockets.push({
          fd: fd(1000 + i), createdCpu: cpuId(0), lport: port(EPHEMERAL_FIRST + i), peer: null,
          cantSendMore: false, error: null, rcv: [], rcvBytes: 0,
        });
      }
    });
    const s = h.socket();
    expect(h.bind(s, 0)).toEqual(fail('EADDRNOTAVAIL'));
    expect(h.connect(s, ep(PEER, 7))).toEqual(fail('EADDRNOTAVAIL'));
    expect(h.send(s, 4, ep(PEER, 7))).toEqual(fail('EADDRNOTAVAIL'));
    expect(h.last.frames).toEqual([]);
    // UP-6: the failed connect left the socket unconnected; a non-ephemeral bind still works.
    expect(h.state.udp.sockets.at(-1)!.peer).toBeNull();
    expect(h.bind(s, 4000)).toEqual(NONE);
  });
});
