import type { Scenario } from '../../src/scenario/types';

/**
 * A small valid UDP scenario: host 1 binds port 7 and receives one datagram that host 0 sends
 * from an unconnected socket over a lossless link. Tests derive broken variants with spreads.
 */
export const echoScenario = (): Scenario => ({
  version: 1,
  seed: 7,
  hosts: [
    { stack: 'impl', ncpus: 2 },
    { stack: 'model', ncpus: 1 },
  ],
  links: [{ a: 0, b: 1, delayUs: 100, jitterUs: 0, capacity: 0 }],
  faults: { frames: [], partitions: [] },
  apps: [
    {
      host: 1,
      cpu: 0,
      startUs: 0,
      steps: [
        { op: 'socket', proto: 'udp', name: 'r' },
        { op: 'bind', sock: 'r', port: 7 },
        { op: 'recv', sock: 'r', maxBytes: 2048 },
        { op: 'close', sock: 'r' },
      ],
    },
    {
      host: 0,
      cpu: 1,
      startUs: 50,
      steps: [
        { op: 'socket', proto: 'udp', name: 's' },
        { op: 'send', sock: 's', bytes: 100, to: { host: 1, port: 7 } },
        { op: 'close', sock: 's' },
      ],
    },
  ],
  schedule: { choices: [], then: { kind: 'lowest' } },
  limits: { safetyUs: 10_000, livenessUs: 100_000, maxSteps: 10_000 },
});
