import { describe, expect, test } from 'vitest';
import { conflictCycle, linearizationProblems, ownershipViolations } from '../audit';
import { tcpRefinement } from './refine';
import { runWorkload } from './workload';

/**
 * Random two-host TCP workloads (workload.ts: swarm configurations, loss, reordering,
 * duplication, several applications per host making random blocking and nonblocking calls):
 * every byte received is a prefix of what was sent, the ownership and linearization audits
 * hold, and each host's linearizing commits, replayed into the independently written TCP model,
 * give the same frames, call results and owner CPUs (test-side refinement, refine.ts).
 *
 * Seeds where the model and DragonFly part ways, with the impl on DragonFly's side (reported to
 * the model's owner; remove a seed once the model is fixed — the test then insists it passes):
 *  - PASSIVE_SND_LAST: a passively opened connection's `snd_last` is the tick the third ACK
 *    created it (tcp_newtcpcb: snd_last = ticks); the model leaves it 0, so its first send after
 *    the handshake takes the idle-restart path (cwnd = min(cwnd, IW), no TSO).
 *  - CLOSED_PORT: a connection closed by a RST while its descriptor is still open no longer
 *    holds its local port (tcp_close → in_pcbdetach); the model still answers bind EADDRINUSE.
 */
const PASSIVE_SND_LAST = [30, 142, 169, 192, 222, 291];
const CLOSED_PORT = [19, 130, 233];
const KNOWN = new Set([...PASSIVE_SND_LAST, ...CLOSED_PORT]);
const SEEDS = Array.from({ length: Number(process.env.TCP_REFINE_SEEDS ?? 150) }, (_, i) => i);

const concat = (a: Uint8Array[]): Buffer => Buffer.concat(a);

describe('random workloads against the model', () => {
  test.each(SEEDS)('workload %i', (seed) => {
    const { w, flows } = runWorkload(seed);
    for (const [key, dirs] of flows) {
      for (const f of dirs) {
        const sent = concat(f.sent);
        const got = concat(f.received);
        expect(got.length, key).toBeLessThanOrEqual(sent.length);
        expect(Buffer.compare(got, sent.subarray(0, got.length)), key).toBe(0);
      }
    }
    expect(ownershipViolations(w.trace)).toEqual([]);
    expect(linearizationProblems(w.trace)).toEqual([]);
    expect(conflictCycle(w.trace)).toBeNull();
    const problems = [0, 1].flatMap((h) =>
      tcpRefinement(w.trace, h, w.hosts[h]!.env.config, w.hosts[h]!.env.addr, 3).problems);
    if (KNOWN.has(seed)) expect(problems.length, 'a known divergence went away').toBeGreaterThan(0);
    else expect(problems.join('\n')).toBe('');
  });
});
