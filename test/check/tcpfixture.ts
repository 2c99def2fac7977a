import type { AppSpec, HostSpec, Scenario, ScriptStep } from '../../src/scenario/types';

/**
 * Small hand-written TCP scenarios for checker tests: clients on host 0 each send a few KB to
 * their own listener on host 1; the servers accept, wait until the transfer is over (so no
 * application call races a segment), then read to the end and close.
 */
const server = (port: number): AppSpec => ({
  host: 1, cpu: 0, startUs: 0, steps: [
    { op: 'socket', proto: 'tcp', name: 'l' }, { op: 'bind', sock: 'l', port },
    { op: 'listen', sock: 'l', backlog: 4 }, { op: 'accept', sock: 'l', as: 'c' },
    { op: 'sleep', us: 300_000 },
    ...Array.from({ length: 8 }, (): ScriptStep => ({ op: 'recv', sock: 'c', maxBytes: 16_384 })),
    { op: 'close', sock: 'c' }, { op: 'close', sock: 'l' },
  ],
});

const client = (port: number, startUs: number, bytes: number): AppSpec => ({
  host: 0, cpu: 0, startUs, steps: [
    { op: 'socket', proto: 'tcp', name: 's' }, { op: 'connect', sock: 's', peer: { host: 1, port } },
    { op: 'send', sock: 's', bytes }, { op: 'shutdown', sock: 's' },
    { op: 'recv', sock: 's', maxBytes: 100 }, { op: 'close', sock: 's' },
  ],
});

export function bulkScenario(ncpus: readonly [number, number], tcp1?: HostSpec['tcp']): Scenario {
  const hosts: HostSpec[] = [
    { stack: 'impl', ncpus: ncpus[0] },
    { stack: 'impl', ncpus: ncpus[1], ...(tcp1 !== undefined ? { tcp: tcp1 } : {}) },
  ];
  return {
    version: 1, seed: 5, hosts,
    links: [{ a: 0, b: 1, delayUs: 1037, jitterUs: 0, capacity: 0 }],
    faults: { frames: [], partitions: [] },
    apps: [server(80), server(81), client(80, 113, 20_000), client(81, 251, 9_000)],
    schedule: { choices: [], then: { kind: 'random', seed: 3 } },
    limits: { safetyUs: 500_000, livenessUs: 5_000_000, maxSteps: 500_000 },
  };
}
