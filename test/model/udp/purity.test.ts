/**
 * Purity and invariants of the model host, by property: random sequences of calls and frames
 * (including garbage, corrupted checksums and ICMP errors quoting what the host sent) are applied
 * one step at a time to deep-frozen state with frozen inputs. After every step:
 *   - the previous state is unchanged (deep snapshot, payload bytes included) and still frozen;
 *   - the new state is deep-frozen (immer auto-freeze), and the input bytes are unchanged;
 *   - the state's own invariants hold (UP-2 descriptors, UP-3/UP-5 one socket per port, UP-12
 *     buffer charges, waiting receives only on open descriptors), and `ownerCpu` answers a CPU
 *     of the host or the user side.
 * Payload `Uint8Array`s cannot be frozen by the language, so they are compared by content.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { port } from '../../../src/core/addr';
import type { CallRequest } from '../../../src/core/socket';
import { fd } from '../../../src/core/ids';
import type { ModelHostState, ModelInput } from '../../../src/model/host';
import { ownerCpu } from '../../../src/model/host';
import { ModelHarness, OTHER, PEER, SELF, ep, icmpFrame, payload, udpFrame } from '../harness';

type Op =
  | { t: 'call'; req: CallRequest; cpu: number }
  | { t: 'udp'; from: 'peer' | 'other'; sport: number; dport: number; len: number; damage: 'none' | 'nosum' | 'badsum' }
  | { t: 'icmp'; sentIndex: number; code: number }
  | { t: 'garbage'; bytes: Uint8Array }
  | { t: 'rollup'; cpu: number };

const NCPUS = 3;
const anyFd = fc.integer({ min: 3, max: 6 }).map(fd);
const anyPort = fc.constantFrom(0, 5000, 5001);
const anyRemote = fc.record({ addr: fc.constantFrom(PEER, OTHER), port: fc.constantFrom(7, 9, 5000).map(port) });

const anyReq: fc.Arbitrary<CallRequest> = fc.oneof(
  fc.constant<CallRequest>({ op: 'socket', proto: 'udp' }),
  fc.constant<CallRequest>({ op: 'socket', proto: 'udp' }),
  fc.constant<CallRequest>({ op: 'socket', proto: 'tcp' }),
  fc.record({ op: fc.constant('bind' as const), fd: anyFd, port: anyPort.map(port) }),
  fc.record({ op: fc.constant('connect' as const), fd: anyFd, remote: anyRemote, nonblocking: fc.boolean() }),
  fc.record({ op: fc.constant('listen' as const), fd: anyFd, backlog: fc.constant(5) }),
  fc.record({
    op: fc.constant('send' as const), fd: anyFd, nonblocking: fc.boolean(),
    data: fc.integer({ min: 0, max: 120 }).map((n) => payload(n)),
    to: fc.option(anyRemote, { nil: undefined }),
  }).map(({ to, ...rest }) => (to === undefined ? rest : { ...rest, to })),
  fc.record({ op: fc.constant('recv' as const), fd: anyFd, maxBytes: fc.integer({ min: 0, max: 64 }), nonblocking: fc.boolean() }),
  fc.record({ op: fc.constantFrom('shutdown' as const, 'close' as const, 'abort' as const), fd: anyFd }),
);

const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('call' as const), req: anyReq, cpu: fc.integer({ min: 0, max: NCPUS - 1 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('udp' as const), from: fc.constantFrom('peer' as const, 'other' as const),
      sport: fc.constantFrom(7, 9, 5000), dport: fc.constantFrom(5000, 5000, 5001, 5001, 49152, 49153, 0, 6000),
      len: fc.integer({ min: 0, max: 90 }), damage: fc.constantFrom('none' as const, 'none' as const, 'nosum' as const, 'badsum' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('icmp' as const), sentIndex: fc.nat(), code: fc.constantFrom(3, 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rollup' as const), cpu: fc.integer({ min: 0, max: NCPUS - 1 }) }) },
);

/** Every run starts from a bound socket (fd 3, port 5000) and a connected one (fd 4, to PEER:7). */
const PRELUDE: readonly Op[] = [
  { t: 'call', req: { op: 'socket', proto: 'udp' }, cpu: 0 },
  { t: 'call', req: { op: 'bind', fd: fd(3), port: port(5000) }, cpu: 0 },
  { t: 'call', req: { op: 'socket', proto: 'udp' }, cpu: 1 },
  { t: 'call', req: { op: 'connect', fd: fd(4), remote: ep(PEER, 7), nonblocking: false }, cpu: 1 },
];

/** A deep copy with typed arrays as plain arrays: what "unchanged" is compared against. */
function snapshot(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (Array.isArray(v)) return v.map(snapshot);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, snapshot(x)]));
  }
  return v;
}

/** Every object and array reachable from `v` is frozen (typed arrays excepted). */
function deepFrozen(v: unknown, path = 'state'): string | null {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return null;
  if (!Object.isFrozen(v)) return path;
  for (const [k, x] of Object.entries(v)) {
    const bad = deepFrozen(x, `${path}.${k}`);
    if (bad !== null) return bad;
  }
  return null;
}

function freezeInput(input: ModelInput): ModelInput {
  if (input.kind === 'call') {
    Object.freeze(input.call.req);
    const req = input.call.req;
    if (req.op === 'connect') Object.freeze(req.remote);
    if (req.op === 'send' && req.to !== undefined) Object.freeze(req.to);
    Object.freeze(input.call);
  }
  return Object.freeze(input);
}

function invariants(s: ModelHostState): void {
  const open = s.fds.open.map((d) => d.fd);
  const udpOpen = s.fds.open.filter((d) => d.proto === 'udp').map((d) => d.fd);
  expect(s.udp.sockets.map((x) => x.fd)).toEqual(udpOpen); // UP-2: each open UDP fd is a socket
  const tcpOpen = s.fds.open.filter((d) => d.proto === 'tcp').map((d) => d.fd);
  for (const f of tcpOpen) expect(s.tcp.sockets.some((x) => x.fd === f)).toBe(true);
  for (const f of open) expect(f).toBeLessThan(s.fds.next);
  const ports = s.udp.sockets.flatMap((x) => (x.lport === null ? [] : [x.lport]));
  expect(new Set(ports).size).toBe(ports.length); // UP-3/UP-5: one socket per port
  for (const x of s.udp.sockets) {
    const charged = x.rcv.reduce((n, r) => n + r.data.length + 16, 0);
    expect(x.rcvBytes).toBe(charged); // UP-12
    expect(x.rcvBytes).toBeLessThanOrEqual(s.config.udp.recvspace);
    if (x.peer !== null) expect(x.lport).not.toBeNull(); // UP-6: connected sockets are bound
  }
  for (const w of s.pending) {
    expect(open).toContain(w.fd); // UP-10: nobody waits on a closed descriptor
    expect(s.udp.sockets.find((x) => x.fd === w.fd)!.rcv).toEqual([]); // UP-9: nobody waits beside data
  }
}

function toInput(h: ModelHarness, op: Op, sent: readonly Uint8Array[]): ModelInput | null {
  switch (op.t) {
    case 'call':
      return { kind: 'call', call: h.makeCall(op.req, op.cpu) };
    case 'udp': {
      const from = ep(op.from === 'peer' ? PEER : OTHER, op.sport);
      const f = udpFrame(from, ep(SELF, op.dport), payload(op.len), op.damage !== 'nosum');
      if (op.damage === 'badsum') f[26] = f[26]! ^ 0x40;
      return { kind: 'frame', bytes: f };
    }
    case 'icmp': {
      const udps = sent.filter((f) => f[9] === 17);
      if (udps.length === 0) return null;
      const q = udps[op.sentIndex % udps.length]!;
      const to = ((q[16]! << 24) | (q[17]! << 16) | (q[18]! << 8) | q[19]!) >>> 0;
      return { kind: 'frame', bytes: icmpFrame(to as typeof PEER, SELF, 3, op.code, q.slice(0, 28)) };
    }
    case 'garbage':
      return { kind: 'frame', bytes: op.bytes };
    case 'rollup':
      return { kind: 'rollup', cpu: op.cpu as never };
  }
}

describe('model host purity (ARCHITECTURE §4, STYLE P7)', () => {
  it('every step leaves the previous state unchanged and frozen, and yields frozen state', () => {
    // Coverage (STYLE P11): the random sequences must reach the interesting branches.
    const reached = { delivered: 0, fullsock: 0, noport: 0, refused: 0, badsum: 0, woken: 0 };
    fc.assert(
      fc.property(fc.array(anyOp, { minLength: 5, maxLength: 60, size: 'large' }), (ops) => {
        const h = new ModelHarness({ ncpus: NCPUS, udp: { recvspace: 150 } });
        expect(deepFrozen(h.state)).toBeNull();
        const sent: Uint8Array[] = [];
        for (const op of [...PRELUDE, ...ops]) {
          const input = toInput(h, op, sent);
          if (input === null) continue;
          const before = h.state;
          const beforeSnap = snapshot(before);
          const bytesSnap = input.kind === 'frame' ? Array.from(input.bytes) : null;
          const owner = ownerCpu(before, input);
          if (owner !== null) expect(owner >= 0 && owner < NCPUS).toBe(true);
          const out = h.step(freezeInput(input));
          expect(snapshot(before)).toEqual(beforeSnap);
          expect(deepFrozen(before)).toBeNull();
          expect(deepFrozen(h.state)).toBeNull();
          if (bytesSnap !== null && input.kind === 'frame') expect(Array.from(input.bytes)).toEqual(bytesSnap);
          sent.push(...out.frames);
          invariants(h.state);
          if (input.kind === 'frame' && out.completions.length > 0) reached.woken += 1;
        }
        const st = h.state.udp.stats;
        reached.delivered += st.delivered;
        reached.fullsock += st.fullsock;
        reached.noport += st.noport;
        reached.refused += st.icmpRefused;
        reached.badsum += st.badsum;
      }),
      { numRuns: 300 },
    );
    for (const [what, n] of Object.entries(reached)) expect(n, what).toBeGreaterThan(0);
  });

  it('a step that changes nothing returns the very same state object', () => {
    const h = new ModelHarness();
    const s = h.state;
    h.step({ kind: 'rollup', cpu: 0 as never });
    h.deliver(new Uint8Array([1, 2, 3]));
    expect(h.state).toBe(s);
  });
});
