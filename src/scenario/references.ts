import type { AppSpec, PeerRef, Scenario, ScriptStep } from './types';

/**
 * The checks a per-field schema cannot make: every index refers to something that exists (hosts,
 * links, CPUs of the app's host) and every socket name is defined (by `socket` or `accept … as`)
 * before a step uses it. The schema (schema.ts) has already checked types and ranges.
 */

export interface ReferenceProblem {
  /** Field path below the scenario root, as zod spells paths. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

type Problem = ReferenceProblem | null;

const hostIndexText = (n: number): string =>
  n === 1 ? 'must be 0 (the scenario has 1 host)' : `must be a host index from 0 to ${n - 1}`;

export function checkReferences(s: Scenario): Problem {
  return checkLinks(s) ?? checkFaults(s) ?? checkApps(s);
}

function checkLinks(s: Scenario): Problem {
  const n = s.hosts.length;
  const joined = new Set<string>();
  for (const [i, l] of s.links.entries()) {
    if (l.a >= n) return { path: ['links', i, 'a'], message: hostIndexText(n) };
    if (l.b >= n) return { path: ['links', i, 'b'], message: hostIndexText(n) };
    if (l.a === l.b)
      return {
        path: ['links', i, 'b'],
        message: `must differ from a (${l.a}): a link joins two hosts`,
      };
    const key = l.a < l.b ? `${l.a}-${l.b}` : `${l.b}-${l.a}`;
    if (joined.has(key)) {
      return {
        path: ['links', i],
        message: `hosts ${l.a} and ${l.b} are already joined by an earlier link`,
      };
    }
    joined.add(key);
  }
  return null;
}

function checkFaults(s: Scenario): Problem {
  const linkText =
    s.links.length === 0
      ? 'refers to a link, but the scenario has none'
      : `must be a link index from 0 to ${s.links.length - 1}`;
  for (const [i, f] of s.faults.frames.entries()) {
    if (f.link >= s.links.length)
      return { path: ['faults', 'frames', i, 'link'], message: linkText };
  }
  for (const [i, p] of s.faults.partitions.entries()) {
    if (p.link >= s.links.length)
      return { path: ['faults', 'partitions', i, 'link'], message: linkText };
    if (p.endUs < p.startUs) {
      return {
        path: ['faults', 'partitions', i, 'endUs'],
        message: `must be ≥ startUs (${p.startUs})`,
      };
    }
  }
  return null;
}

function checkApps(s: Scenario): Problem {
  for (const [i, app] of s.apps.entries()) {
    const problem = checkApp(s, app, i);
    if (problem !== null) return problem;
  }
  return null;
}

function checkApp(s: Scenario, app: AppSpec, i: number): Problem {
  const host = s.hosts[app.host];
  if (host === undefined)
    return { path: ['apps', i, 'host'], message: hostIndexText(s.hosts.length) };
  if (app.cpu >= host.ncpus) {
    return {
      path: ['apps', i, 'cpu'],
      message: `must be a CPU of host ${app.host}, from 0 to ${host.ncpus - 1}`,
    };
  }
  const names = new Set<string>();
  for (const [k, step] of app.steps.entries()) {
    const at = (...rest: (string | number)[]): (string | number)[] => [
      'apps',
      i,
      'steps',
      k,
      ...rest,
    ];
    const peer = peerOf(step);
    if (peer !== null && peer.ref.host >= s.hosts.length) {
      return { path: at(peer.field, 'host'), message: hostIndexText(s.hosts.length) };
    }
    const used = usedName(step);
    if (used !== null && !names.has(used)) {
      return {
        path: at('sock'),
        message: `socket '${used}' is not defined by an earlier socket or accept step`,
      };
    }
    const defined = definedName(step);
    if (defined !== null) names.add(defined);
  }
  return null;
}

function peerOf(step: ScriptStep): { field: string; ref: PeerRef } | null {
  if (step.op === 'connect') return { field: 'peer', ref: step.peer };
  if (step.op === 'send' && step.to !== undefined) return { field: 'to', ref: step.to };
  return null;
}

/** The name a step uses (its `sock`), or null for steps that use none. */
function usedName(step: ScriptStep): string | null {
  return step.op === 'socket' || step.op === 'sleep' ? null : step.sock;
}

function definedName(step: ScriptStep): string | null {
  if (step.op === 'socket') return step.name;
  if (step.op === 'accept') return step.as;
  return null;
}
