import { formatEndpoint, formatIp } from '../core/addr';
import { decodePacket } from '../core/codec';
import { formatTcpFlags } from '../core/format';
import type { FrameId } from '../core/ids';
import type { TcpSegment } from '../core/packet';
import { TH_ACK, TH_SYN } from '../core/packet';
import type { RunRecord, Verdict } from '../core/run';
import type { CallResult } from '../core/socket';
import type { Violation } from './verdict';
import { verdictOf } from './verdict';

/**
 * The metamorphic claim "parallelism does not change behaviour" (ARCHITECTURE §1): the same
 * timed inputs on 1, 2, 4 … 16 CPUs give the same per-connection wire trace, for every
 * connection no two of whose inputs are simultaneous. Two inputs of one connection at the same
 * instant from different sources (a segment, a timer, an application call at one host) may be
 * applied in either order — which one the netisr sees first legitimately depends on the CPU count and the
 * schedule — so such connections are left out, in both runs, and the verdict says how many.
 *
 * The comparison needs runs whose frame fates do not depend on the order of frames on a link
 * (no per-frame faults, no jitter, no tail drop): the property arranges that, this file only
 * compares.
 */

export const CPU_INDEPENDENCE_CHECKER = 'cpu-independence';
export const CPU_INDEPENDENCE_CLAIM =
  'the same timed inputs on any CPU count give the same per-connection wire trace (ARCHITECTURE §1)';

/** One TCP segment on the wire: when it was sent and what it was, ports and ISNs factored out. */
interface WireLine {
  readonly t: number;
  readonly seq: number;
  readonly text: string;
}

export interface ConnectionWires {
  /** Per connection identity (see `identify`): its segments as sent. */
  readonly wires: ReadonlyMap<string, readonly WireLine[]>;
  /** Identities of connections with two inputs from different sources at one instant on a host. */
  readonly simultaneous: ReadonlySet<string>;
}

interface Conn {
  /** Who sent the first SYN, and the ISNs of both sides once seen. */
  client: string | null;
  isn: Map<string, number>;
  identity: string;
  lines: WireLine[];
}

const pairKey = (x: string, y: string): string => (x < y ? `${x} ${y}` : `${y} ${x}`);

/** `connKey` form "10.0.0.1:49152>10.0.0.2:80" to the sorted pair key. */
const pairOfConnKey = (key: string): string => {
  const [x = '', y = ''] = key.split('>');
  return pairKey(x, y);
};

const rel = (n: number, base: number | undefined): string =>
  base === undefined ? `?${n}` : String((n - base) >>> 0);

/**
 * A segment with what legitimately depends on the CPU count factored out: the client's ephemeral
 * port (DragonFly picks one whose flow hashes to the connecting CPU, D.9) and, through it, both
 * ISNs — sequence and ACK numbers are relative to them.
 */
function render(c: Conn, src: string, seg: TcpSegment): string {
  const o = seg.options;
  const dir = c.client === null ? src : src === c.client ? 'c>s' : 's>c';
  const peer = [...c.isn.keys()].find((k) => k !== src);
  const opts = [
    o.mss !== undefined ? `mss ${o.mss}` : '', o.wscale !== undefined ? `ws ${o.wscale}` : '',
    o.sackPermitted === true ? 'sackOK' : '',
    o.timestamp !== undefined ? `ts ${o.timestamp.val}/${o.timestamp.ecr}` : '',
    o.sack !== undefined
      ? `sack ${o.sack.map((b) => `${rel(b.start, c.isn.get(peer ?? ''))}-` +
        `${rel(b.end, c.isn.get(peer ?? ''))}`).join(',')}` : '',
  ].filter((x) => x !== '').join(' ');
  const head = [...seg.payload.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${dir} [${formatTcpFlags(seg.flags)}] seq ${rel(seg.seq, c.isn.get(src))} ` +
    `ack ${(seg.flags & TH_ACK) !== 0 ? rel(seg.ack, c.isn.get(peer ?? '')) : '-'} ` +
    `win ${seg.window} len ${seg.payload.length} ${head} ${opts}`;
}

/** A completion that moved data out of a socket buffer when the blocked call woke. */
const takesData = (r: CallResult): boolean => r.ok && r.value.kind === 'data';

/** The TCP connections of a run, their wire traces, and which ones had simultaneous inputs. */
export function connectionWires(run: RunRecord): ConnectionWires {
  const conns = new Map<string, Conn>();
  const ofFrame = new Map<FrameId, Conn>();
  const inputsAt = new Map<string, Set<string>>();
  const simultaneousKeys = new Set<Conn>();
  const user = new Set<string>();
  const completed = new Set<string>();
  const spontaneous = new Set<string>();
  const perConn = new Map<string, number>();
  const inputHosts: [string, Conn][] = [];
  // Segments of one connection reaching one host come over one link in FIFO order to one netisr
  // port, so however many arrive at an instant they are one ordered source; a timer is another.
  const input = (host: number, c: Conn | undefined, t: number, source: string): void => {
    if (c === undefined) return;
    const k = `${host} ${c.identity} ${t}`;
    const sources = inputsAt.get(k) ?? new Set<string>();
    sources.add(source);
    inputsAt.set(k, sources);
    inputHosts.push([`${host} ${t}`, c]);
    const n = `${host} ${t} ${c.identity}`;
    perConn.set(n, (perConn.get(n) ?? 0) + 1);
    if (sources.size > 1) simultaneousKeys.add(c);
  };
  for (const e of run.trace) {
    if (e.kind === 'frame-sent') {
      const p = decodePacket(e.bytes);
      if (!p.ok || p.value.body.proto !== 'tcp') continue;
      const { ip, body } = p.value;
      const seg = body.tcp;
      const src = formatEndpoint({ addr: ip.src, port: seg.srcPort });
      const dst = formatEndpoint({ addr: ip.dst, port: seg.dstPort });
      const key = pairKey(src, dst);
      let c = conns.get(key);
      const syn = (seg.flags & TH_SYN) !== 0;
      if (c === undefined || (syn && (seg.flags & TH_ACK) === 0 && c.client !== src)) {
        // A new connection (or a new incarnation of the 4-tuple): named by who opened it, to
        // where, and when — not by the ephemeral port.
        const opener = syn && (seg.flags & TH_ACK) === 0;
        const identity = opener ? `${formatIp(ip.src)} > ${dst} @${e.t}` : key;
        c = { client: opener ? src : null, isn: new Map(), identity, lines: [] };
        conns.set(key, c);
      }
      if (syn && !c.isn.has(src)) c.isn.set(src, seg.seq);
      ofFrame.set(e.frame, c);
      c.lines.push({ t: e.t, seq: e.seq, text: render(c, src, seg) });
    } else if (e.kind === 'frame-delivered') {
      input(e.host, ofFrame.get(e.frame), e.t, 'wire');
    } else if (e.kind === 'commit' && e.input.kind === 'timer' && e.linearizes) {
      input(e.host, conns.get(pairOfConnKey(e.input.conn)), e.t, 'timer');
    } else if (e.kind === 'call-issued' || (e.kind === 'call-completed' && takesData(e.result))) {
      const k = `${e.host} ${e.t}`;
      user.add(k);
      if (e.kind === 'call-issued' && !completed.has(k)) spontaneous.add(k);
    }
    if (e.kind === 'call-completed') completed.add(`${e.host} ${e.t}`);
  }
  // An application call made at an instant when a segment or timer of a connection of its host is
  // handled may run before or after it, and so may a blocked recv that wakes and drains the
  // buffer (before or after the ACK that advertises the window). Calls are not tied to
  // connections in the trace, so a connection of that host counts as having simultaneous inputs
  // when it had two inputs at that instant (the call may fall between them), or the call was not
  // made in answer to a completion at that instant (it may come before the connection's input).
  // A call answering the one input that completed its predecessor comes after it, in any run.
  for (const [k, c] of inputHosts) {
    if (user.has(k) && (spontaneous.has(k) || (perConn.get(`${k} ${c.identity}`) ?? 0) > 1)) {
      simultaneousKeys.add(c);
    }
  }
  const wires = new Map<string, WireLine[]>();
  const simultaneous = new Set<string>();
  const all = new Set([...ofFrame.values()]);
  for (const c of all) {
    // Two connections opened to one place at one instant cannot be told apart: skip both.
    if (wires.has(c.identity) || simultaneousKeys.has(c)) simultaneous.add(c.identity);
    else wires.set(c.identity, c.lines);
  }
  return { wires, simultaneous };
}

/** The first line where two wire traces part, or null if they are the same. */
function firstDifference(a: readonly WireLine[], b: readonly WireLine[]): number | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || x.t !== y.t || x.text !== y.text) return i;
  }
  return null;
}

const show = (l: WireLine | undefined): string =>
  l === undefined ? '(nothing)' : `t=${l.t} ${l.text}`;

/**
 * Compare the connections of `base` with those of `other` (the same scenario on other CPU
 * counts, described by `label`). Connections with simultaneous inputs in either run are skipped.
 */
export function checkCpuIndependence(base: RunRecord, other: RunRecord, label: string): Verdict {
  const a = connectionWires(base);
  const b = connectionWires(other);
  const skip = new Set([...a.simultaneous, ...b.simultaneous]);
  const found: Violation[] = [];
  const keys = [...new Set([...a.wires.keys(), ...b.wires.keys()])].sort();
  for (const key of keys) {
    if (skip.has(key)) continue;
    const x = a.wires.get(key) ?? [];
    const y = b.wires.get(key) ?? [];
    const i = firstDifference(x, y);
    if (i === null) continue;
    found.push({
      kind: 'wire-differs',
      ...(x[i] !== undefined ? { atSeq: x[i].seq } : {}),
      message: `connection ${key}: segment ${i + 1} differs with ${label}`,
      details: [`as given: ${show(x[i])}`, `${label}: ${show(y[i])}`],
    });
  }
  return verdictOf(CPU_INDEPENDENCE_CHECKER, CPU_INDEPENDENCE_CLAIM, found);
}
