import { describe, expect, test } from 'vitest';
import { port } from '../../src/core/addr';
import type { CallId, Fd } from '../../src/core/ids';
import { Rng } from '../../src/core/rng';
import { Driver, ep, fdOf } from './driver';
import { refinementProblems } from './refine';

/**
 * A cross-check against the independently written model, ahead of the real checkers: replay
 * each impl host's linearizing commits, in trace order, into `modelStep` (docs/CONTRACTS.md
 * "Refinement"); compare the frames each input produced (over all its commits) byte for byte,
 * each call's result, and the CPU each input linearized on with the model's `ownerCpu`.
 */

describe('the impl refines the model (cross-check)', () => {
  test.each(Array.from({ length: 150 }, (_, i) => i))('random UDP workload, seed %i', (seed) => {
    const rng = Rng.fromSeed(seed).fork('impl-refine');
    const ncpus: [number, number] = [rng.int(1, 6), rng.int(1, 6)];
    const d = new Driver({
      ncpus,
      udp: { recvspace: rng.int(0, 1) === 0 ? 200 : 42080, maxdgram: 64 },
      pick: (r) => rng.int(0, r.length - 1),
    });
    // Apps as the simulator runs them: each on one CPU, one call at a time, on its own sockets.
    const apps = [0, 1].flatMap((h) =>
      [0, 1, 2].map((app) => ({
        h,
        app,
        cpu: rng.int(0, ncpus[h]! - 1),
        s: null as Fd | null,
        busy: null as CallId | null,
      })),
    );
    for (const a of apps)
      a.s = fdOf(d.do(a.h, { op: 'socket', proto: 'udp' }, { app: a.app, cpu: a.cpu }));
    for (let n = 0; n < 60; n++) {
      const idle = apps.filter((a) => a.busy === null || d.results.has(a.busy));
      if (idle.length === 0) {
        if (!d.step()) break;
        continue;
      }
      const a = idle[rng.int(0, idle.length - 1)]!;
      const s = a.s!;
      const to = ep(1 - a.h, 1000 + rng.int(0, 3));
      const pick = rng.int(0, 9);
      const req =
        pick === 0
          ? ({
              op: 'bind',
              fd: s,
              port: port(rng.int(0, 1) === 0 ? 0 : 1000 + rng.int(0, 3)),
            } as const)
          : pick === 1
            ? ({ op: 'connect', fd: s, remote: to, nonblocking: false } as const)
            : pick === 2 && rng.int(0, 3) === 0
              ? ({ op: 'close', fd: s } as const)
              : pick === 3 && rng.int(0, 3) === 0
                ? ({ op: 'shutdown', fd: s } as const)
                : pick <= 5
                  ? ({
                      op: 'recv',
                      fd: s,
                      maxBytes: rng.int(0, 80),
                      nonblocking: rng.int(0, 4) > 0,
                    } as const)
                  : ({
                      op: 'send',
                      fd: s,
                      data: new Uint8Array(rng.int(0, 70)).fill(n),
                      nonblocking: false,
                      ...(rng.int(0, 2) > 0 ? { to } : {}),
                    } as const);
      a.busy = d.call(a.h, req, { app: a.app, cpu: a.cpu });
      for (let k = rng.int(0, 8); k > 0 && d.step(); k--);
    }
    d.settle();
    const problems = [0, 1].flatMap((h) =>
      refinementProblems(d.trace, h, d.hosts[h]!.env.config, d.hosts[h]!.env.addr),
    );
    expect(problems).toEqual([]);
  });
});
