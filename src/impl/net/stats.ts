import type { CpuId } from '../../core/ids';

/**
 * Per-CPU statistics (dragonfly.md D.12: `udpstat_percpu[cpu]`, `ipstats_percpu[cpu]`): each
 * CPU bumps its own counters without synchronization; readers sum over CPUs as the sysctl
 * handlers do. Statistics are not protocol state, so they are not access-instrumented.
 */
export const COUNTERS = [
  'nic.rx', 'nic.rxbad', 'nic.tx', 'nic.tso_split',
  'ip.ipackets', 'ip.badframe', 'ip.notforus', 'ip.opackets',
  'icmp.in', 'icmp.unreach_out', 'icmp.unreach_suppressed', 'icmp.ctl_forward', 'icmp.ctl_deferred',
  'icmp.ctl_notify', 'icmp.dropped',
  'udp.ipackets', 'udp.badport', 'udp.noport', 'udp.fullsock', 'udp.delivered',
  'udp.opackets', 'udp.redispatch', 'udp.send_dropped',
  'tcp.dropped',
  'tcp.rcvtotal', 'tcp.predack', 'tcp.preddat', 'tcp.slowpath', 'tcp.sndtotal', 'tcp.sndpack',
  'tcp.sndrexmitpack', 'tcp.sndacks', 'tcp.sndprobe', 'tcp.sndctrl', 'tcp.sndwinup',
  'tcp.tso_units', 'tcp.tso_segs', 'tcp.sndmore', 'tcp.delack_timeo', 'tcp.rexmt_timeo',
  'tcp.persist_timeo', 'tcp.keep_timeo', 'tcp.msl_timeo', 'tcp.fastrexmit', 'tcp.earlyrexmit',
  'tcp.limited', 'tcp.sackrexmit', 'tcp.eifel_detected', 'tcp.rcvoopack', 'tcp.rcvduppack',
  'tcp.connects', 'tcp.accepts', 'tcp.drops', 'tcp.closed', 'tcp.rst_out', 'tcp.ackq_rollup',
  'tcp.syncache_add', 'tcp.syncache_expand', 'tcp.syncache_drop', 'tcp.syncookie_ok',
  'tcp.listen_drop', 'tcp.moved',
  'netisr.msgs', 'netisr.chased', 'netisr.rollups', 'netisr.batches_full',
  'so.moved',
] as const;
export type Counter = (typeof COUNTERS)[number];

export type CounterSet = Record<Counter, number>;

const zero = (): CounterSet => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as CounterSet;

export class Stats {
  readonly perCpu: CounterSet[];

  constructor(ncpus: number) {
    this.perCpu = Array.from({ length: ncpus }, zero);
  }

  inc(cpu: CpuId, c: Counter, n = 1): void {
    this.perCpu[cpu]![c] += n;
  }

  /** The host-wide value, summed over CPUs (as `udpstat` sysctl does). */
  sum(c: Counter): number {
    let s = 0;
    for (const set of this.perCpu) s += set[c];
    return s;
  }

  /** Host-wide totals of every counter that is not zero. */
  totals(): Partial<CounterSet> {
    const out: Partial<CounterSet> = {};
    for (const c of COUNTERS) {
      const v = this.sum(c);
      if (v !== 0) out[c] = v;
    }
    return out;
  }
}
