import { describe, expect, it } from 'vitest';
import { loadScenarioText, parseScenario } from '../../src/scenario/schema';
import type { Scenario } from '../../src/scenario/types';
import { echoScenario } from './fixtures';

/**
 * The scenario schema is the boundary between files people edit and the simulator, which only
 * asserts. Each test below feeds one defect and expects exactly one line naming the field.
 */

const errorOf = (json: unknown): string => {
  const r = parseScenario(json);
  if (r.ok) throw new Error('expected a validation error');
  return r.error;
};

/** A deep copy edited by `edit`, so each case breaks one thing. */
const broken = (edit: (s: any) => void): unknown => {
  const s = structuredClone(echoScenario()) as any;
  edit(s);
  return s;
};

describe('scenario schema', () => {
  it('accepts a valid scenario unchanged', () => {
    const r = parseScenario(structuredClone(echoScenario()));
    expect(r).toEqual({ ok: true, value: echoScenario() });
  });

  it.each<[string, (s: any) => void, string]>([
    [
      'CPU count above 16',
      (s) => {
        s.hosts[1].ncpus = 17;
      },
      'scenario.hosts[1].ncpus: must be an integer from 1 to 16',
    ],
    [
      'CPU count not an integer',
      (s) => {
        s.hosts[0].ncpus = 1.5;
      },
      'scenario.hosts[0].ncpus: must be an integer from 1 to 16',
    ],
    [
      'a missing field',
      (s) => {
        delete s.hosts[0].ncpus;
      },
      'scenario.hosts[0].ncpus: is required',
    ],
    [
      'an unknown stack',
      (s) => {
        s.hosts[0].stack = 'linux';
      },
      "scenario.hosts[0].stack: must be one of 'impl', 'model'",
    ],
    [
      'an unknown field',
      (s) => {
        s.hosts[0].cpus = 2;
      },
      "scenario.hosts[0]: unknown field 'cpus'",
    ],
    [
      'an unknown UDP option',
      (s) => {
        s.hosts[0].udp = { maxdgarm: 1 };
      },
      "scenario.hosts[0].udp: unknown field 'maxdgarm'",
    ],
    [
      'maxdgram beyond an IPv4 datagram',
      (s) => {
        s.hosts[0].udp = { maxdgram: 70000 };
      },
      'scenario.hosts[0].udp.maxdgram: must be an integer from 1 to 65507',
    ],
    [
      'no hosts',
      (s) => {
        s.hosts = [];
      },
      'scenario.hosts: must list from 1 to 254 hosts',
    ],
    [
      'a port out of range',
      (s) => {
        s.apps[0].steps[1].port = 65536;
      },
      'scenario.apps[0].steps[1].port: must be an integer from 0 to 65535',
    ],
    [
      'an unknown op',
      (s) => {
        s.apps[0].steps[1] = { op: 'listen2' };
      },
      'scenario.apps[0].steps[1].op: must be a step whose op is one of socket, bind, connect, ' +
        'listen, accept, send, recv, shutdown, close, abort, sleep',
    ],
    [
      'a negative delay',
      (s) => {
        s.links[0].delayUs = -1;
      },
      'scenario.links[0].delayUs: must be a non-negative integer',
    ],
    [
      'a link to a missing host',
      (s) => {
        s.links[0].b = 2;
      },
      'scenario.links[0].b: must be a host index from 0 to 1',
    ],
    [
      'a link from a host to itself',
      (s) => {
        s.links[0].b = 0;
      },
      'scenario.links[0].b: must differ from a (0): a link joins two hosts',
    ],
    [
      'two links joining the same hosts',
      (s) => {
        s.links.push({ ...s.links[0], a: 1, b: 0 });
      },
      'scenario.links[1]: hosts 1 and 0 are already joined by an earlier link',
    ],
    [
      'a fault on a missing link',
      (s) => {
        s.faults.frames.push({ link: 1, dir: 'ab', index: 0, fate: 'drop' });
      },
      'scenario.faults.frames[0].link: must be a link index from 0 to 0',
    ],
    [
      'a partition that ends before it starts',
      (s) => {
        s.faults.partitions.push({ link: 0, startUs: 5, endUs: 4 });
      },
      'scenario.faults.partitions[0].endUs: must be ≥ startUs (5)',
    ],
    [
      'an app on a CPU its host lacks',
      (s) => {
        s.apps[0].cpu = 1;
      },
      'scenario.apps[0].cpu: must be a CPU of host 1, from 0 to 0',
    ],
    [
      'an app on a missing host',
      (s) => {
        s.apps[0].host = 5;
      },
      'scenario.apps[0].host: must be a host index from 0 to 1',
    ],
    [
      'a peer on a missing host',
      (s) => {
        s.apps[1].steps[1].to.host = 3;
      },
      'scenario.apps[1].steps[1].to.host: must be a host index from 0 to 1',
    ],
    [
      'a socket used before it is defined',
      (s) => {
        s.apps[1].steps[1].sock = 'x';
      },
      "scenario.apps[1].steps[1].sock: socket 'x' is not defined by an earlier socket or " +
        'accept step',
    ],
    [
      'a non-positive step limit',
      (s) => {
        s.limits.maxSteps = 0;
      },
      'scenario.limits.maxSteps: must be an integer ≥ 1',
    ],
    [
      'a bad strategy',
      (s) => {
        s.schedule.then = { kind: 'fifo' };
      },
      'scenario.schedule.then.kind: must be a strategy whose kind is one of ' +
        "'lowest', 'random', 'pct', 'urw', 'round-robin'",
    ],
    [
      'a negative choice',
      (s) => {
        s.schedule.choices = [0, -2];
      },
      'scenario.schedule.choices[1]: must be a non-negative integer',
    ],
    [
      'a PCT depth of zero',
      (s) => {
        s.schedule.then = { kind: 'pct', seed: 1, depth: 0 };
      },
      'scenario.schedule.then.depth: must be an integer from 1 to 1024',
    ],
    [
      'a wrong version',
      (s) => {
        s.version = 2;
      },
      'scenario.version: must be 1',
    ],
  ])('rejects %s with one line naming the field', (_what, edit, expected) => {
    const message = errorOf(broken(edit));
    expect(message).toBe(expected);
    expect(message).not.toContain('\n');
  });

  it('accepts a name reused after an accept defines it', () => {
    const s = broken((x) => {
      x.apps[0].steps = [
        { op: 'socket', proto: 'tcp', name: 'l' },
        { op: 'listen', sock: 'l', backlog: 1 },
        { op: 'accept', sock: 'l', as: 'c' },
        { op: 'recv', sock: 'c', maxBytes: 10 },
      ];
    });
    expect(parseScenario(s).ok).toBe(true);
  });

  it('rejects something that is not an object', () => {
    expect(errorOf(42)).toBe('scenario: must be an object');
  });
});

describe('loadScenarioText', () => {
  it('parses JSON text', () => {
    const r = loadScenarioText(JSON.stringify(echoScenario()));
    expect(r.ok && (r.value as Scenario).seed).toBe(7);
  });

  it('reports broken JSON on one line', () => {
    const r = loadScenarioText('{"version": 1,');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/^not valid JSON: /);
      expect(r.error).not.toContain('\n');
    }
  });

  it('accepts a counterexample file and returns its scenario', () => {
    const wrapper = {
      format: 'mpcheck-counterexample',
      version: 1,
      harness: '0.1.0',
      property: 'udp.integrity',
      verdict: { checker: 'udp-integrity', kind: 'corrupt', message: 'payload differs' },
      minCpus: 1,
      traceHash: 'abc',
      scenario: echoScenario(),
    };
    expect(parseScenario(wrapper)).toEqual({ ok: true, value: echoScenario() });
  });

  it('names wrapper fields and scenario fields in a counterexample file', () => {
    const wrapper = {
      format: 'mpcheck-counterexample',
      version: 2,
      harness: '0.1.0',
      property: 'p',
      verdict: { checker: 'c', kind: 'k', message: 'm' },
      minCpus: 1,
      traceHash: '',
      scenario: echoScenario(),
    };
    expect(errorOf(wrapper)).toBe(
      'counterexample.version: must be 1 (this harness reads version 1)',
    );
    const bad = { ...wrapper, version: 1, scenario: { ...echoScenario(), seed: -1 } };
    expect(errorOf(bad)).toBe('scenario.seed: must be a non-negative integer');
  });
});
