/**
 * A small driver for model-host specification tests: it keeps the current state, numbers calls,
 * and turns the socket API into one-line calls, so each test reads as the rule it shows.
 * Frames from peers are built with the model's own codec; tests that are about the wire bytes
 * read the bytes directly (`wire` helpers below), never through the decoder under test.
 */
import type { Endpoint, IpAddr } from '../../src/core/addr';
import { hostAddr, port } from '../../src/core/addr';
import type { HostConfig, UdpConfig } from '../../src/core/config';
import { TCP_DEFAULTS, UDP_DEFAULTS } from '../../src/core/config';
import type { CallId, CpuId, Fd } from '../../src/core/ids';
import { callId, cpuId, fd } from '../../src/core/ids';
import type { Packet } from '../../src/core/packet';
import type { AppCall, CallRequest, CallResult } from '../../src/core/socket';
import { instant } from '../../src/core/time';
import { decodePacket, encodePacket } from '../../src/core/codec';
import type { ModelHostState, ModelInput, ModelOutputs } from '../../src/model/host';
import { initialModelHost, modelStep, ownerCpu } from '../../src/model/host';

/** The host under test is host 0 (10.0.0.1); peers are hosts 1 and 2. */
export const SELF: IpAddr = hostAddr(0);
export const PEER: IpAddr = hostAddr(1);
export const OTHER: IpAddr = hostAddr(2);

export const ep = (addr: IpAddr, p: number): Endpoint => ({ addr, port: port(p) });

export function hostConfig(ncpus = 4, udp: Partial<UdpConfig> = {}): HostConfig {
  return { stack: 'model', ncpus, hz: 100, tcp: TCP_DEFAULTS, udp: { ...UDP_DEFAULTS, ...udp } };
}

export class ModelHarness {
  state: ModelHostState;
  /** Outputs of the most recent step. */
  last: ModelOutputs = { frames: [], completions: [] };
  /** Every completion so far, by call. */
  readonly results = new Map<CallId, CallResult>();
  private nextCall = 1;
  private clock = 0;

  constructor(opts: { ncpus?: number; udp?: Partial<UdpConfig> } = {}) {
    this.state = initialModelHost(hostConfig(opts.ncpus ?? 4, opts.udp ?? {}), SELF, 1);
  }

  step(input: ModelInput): ModelOutputs {
    this.clock += 10;
    const r = modelStep(this.state, input, instant(this.clock));
    this.state = r.state;
    this.last = r.outputs;
    for (const c of r.outputs.completions) {
      if (this.results.has(c.call)) throw new Error(`call ${c.call} completed twice`);
      this.results.set(c.call, c.result);
    }
    return r.outputs;
  }

  makeCall(req: CallRequest, cpu = 0): AppCall {
    return { id: callId(this.nextCall++), app: 0, cpu: cpuId(cpu), req };
  }

  /** Issue a call; its result, or undefined while it blocks. */
  issue(req: CallRequest, cpu = 0): { id: CallId; result: CallResult | undefined } {
    const call = this.makeCall(req, cpu);
    this.step({ kind: 'call', call });
    return { id: call.id, result: this.results.get(call.id) };
  }

  /** Issue a call that must complete at once; its result. */
  call(req: CallRequest, cpu = 0): CallResult {
    const { id, result } = this.issue(req, cpu);
    if (result === undefined) throw new Error(`call ${id} (${req.op}) did not complete`);
    return result;
  }

  owner(input: ModelInput): CpuId | null {
    return ownerCpu(this.state, input);
  }

  socket(cpu = 0): Fd {
    const r = this.call({ op: 'socket', proto: 'udp' }, cpu);
    if (!r.ok || r.value.kind !== 'fd') throw new Error(`socket failed: ${JSON.stringify(r)}`);
    return r.value.fd;
  }
  bind(s: Fd, p: number): CallResult {
    return this.call({ op: 'bind', fd: s, port: port(p) });
  }
  connect(s: Fd, remote: Endpoint): CallResult {
    return this.call({ op: 'connect', fd: s, remote, nonblocking: false });
  }
  send(s: Fd, data: Uint8Array | number, to?: Endpoint): CallResult {
    const bytes = typeof data === 'number' ? payload(data) : data;
    return this.call({ op: 'send', fd: s, data: bytes, nonblocking: false, ...(to ? { to } : {}) });
  }
  recv(s: Fd, maxBytes = 65535, nonblocking = true): { id: CallId; result: CallResult | undefined } {
    return this.issue({ op: 'recv', fd: s, maxBytes, nonblocking });
  }
  close(s: Fd): CallResult {
    return this.call({ op: 'close', fd: s });
  }
  /** A datagram from a peer arrives. */
  deliver(bytes: Uint8Array): ModelOutputs {
    return this.step({ kind: 'frame', bytes });
  }
  /** The local port of descriptor `s` (from the state: what a getsockname would say). */
  lport(s: Fd): number | null {
    return this.state.udp.sockets.find((x) => x.fd === s)?.lport ?? null;
  }
}

export const payload = (n: number, seed = 7): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

export const ok = (value: unknown): CallResult => ({ ok: true, value }) as CallResult;
export const NONE: CallResult = { ok: true, value: { kind: 'none' } };
export const fail = (error: string): CallResult => ({ ok: false, error }) as CallResult;
export const fdOf = (n: number): Fd => fd(n);

/** A UDP datagram on the wire from `from` to `to`, built like a peer stack would. */
export function udpFrame(from: Endpoint, to: Endpoint, data: Uint8Array, checksum = true): Uint8Array {
  const p: Packet = {
    ip: { src: from.addr, dst: to.addr, ttl: 64, id: 0, tos: 0, dontFragment: true },
    body: { proto: 'udp', udp: { srcPort: from.port, dstPort: to.port, payload: data } },
  };
  return encodePacket(p, { udpChecksum: checksum });
}

/** An ICMP message from `from` to `to`. */
export function icmpFrame(from: IpAddr, to: IpAddr, type: number, code: number, quoted: Uint8Array): Uint8Array {
  const p: Packet = {
    ip: { src: from, dst: to, ttl: 64, id: 0, tos: 0, dontFragment: true },
    body: { proto: 'icmp', icmp: { type, code, quoted } },
  };
  return encodePacket(p, { udpChecksum: false });
}

export const decoded = (bytes: Uint8Array): Packet => {
  const r = decodePacket(bytes);
  if (!r.ok) throw new Error(`frame does not decode: ${JSON.stringify(r.error)}`);
  return r.value;
};

/** Raw reads of an encoded IPv4 frame with a 20-byte header (what the model builds). */
export const wire = {
  u16: (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!,
  u32: (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0,
  ipTtl: (b: Uint8Array): number => b[8]!,
  ipTos: (b: Uint8Array): number => b[1]!,
  ipId: (b: Uint8Array): number => wire.u16(b, 4),
  ipFlagsFrag: (b: Uint8Array): number => wire.u16(b, 6),
  ipProto: (b: Uint8Array): number => b[9]!,
  ipSrc: (b: Uint8Array): number => wire.u32(b, 12),
  ipDst: (b: Uint8Array): number => wire.u32(b, 16),
  udpSport: (b: Uint8Array): number => wire.u16(b, 20),
  udpDport: (b: Uint8Array): number => wire.u16(b, 22),
  udpLen: (b: Uint8Array): number => wire.u16(b, 24),
  udpSum: (b: Uint8Array): number => wire.u16(b, 26),
};

/** RFC 1071 ones' complement sum, folded (independent of the code under test). */
export function onesFold(words: readonly number[]): number {
  let s = 0;
  for (const w of words) s += w;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** 16-bit big-endian words of `b` (odd length padded with a zero byte). */
export const words16 = (b: Uint8Array): number[] => {
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 2) out.push((b[i]! << 8) | (i + 1 < b.length ? b[i + 1]! : 0));
  return out;
};

/** Recompute the IPv4 header checksum of `frame` in place (after a test edits the header). */
export function fixIpChecksum(frame: Uint8Array): Uint8Array {
  const ihl = (frame[0]! & 0x0f) * 4;
  frame[10] = 0;
  frame[11] = 0;
  const sum = ~onesFold(words16(frame.subarray(0, ihl))) & 0xffff;
  frame[10] = sum >>> 8;
  frame[11] = sum & 0xff;
  return frame;
}

/** Set a 16-bit big-endian field of `frame`. */
export function put16(frame: Uint8Array, at: number, value: number): Uint8Array {
  frame[at] = value >>> 8;
  frame[at + 1] = value & 0xff;
  return frame;
}
