import { formatIp, hostAddr } from '../core/addr';
import { assertNever } from '../core/assert';
import type { AppSpec, FrameFault, LinkSpec, PeerRef, Scenario, ScriptStep, StrategySpec } from '../scenario/types';

/**
 * A scenario in words, for the top of report.md: a person reading a bug report should see what
 * ran — hosts, CPUs, links, faults, the applications' scripts, the schedule — without opening
 * the JSON. Long lists are cut with a count of what was left out; the JSON file has everything.
 */

const LIST_MAX = 8;

const peer = (p: PeerRef): string => `host ${p.host}:${p.port}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function describeStep(s: ScriptStep): string {
  switch (s.op) {
    case 'socket': return `socket ${s.proto} ${s.name}`;
    case 'bind': return `bind ${s.sock} :${s.port}`;
    case 'connect': return `connect ${s.sock} → ${peer(s.peer)}${s.nonblocking === true ? ' (nb)' : ''}`;
    case 'listen': return `listen ${s.sock} backlog ${s.backlog}`;
    case 'accept': return `accept ${s.sock} as ${s.as}${s.nonblocking === true ? ' (nb)' : ''}`;
    case 'send': {
      const to = s.to === undefined ? '' : ` → ${peer(s.to)}`;
      return `send ${s.sock} ${s.bytes} B${to}${s.nonblocking === true ? ' (nb)' : ''}`;
    }
    case 'recv': return `recv ${s.sock} ≤${s.maxBytes} B${s.nonblocking === true ? ' (nb)' : ''}`;
    case 'shutdown':
    case 'close':
    case 'abort':
      return `${s.op} ${s.sock}`;
    case 'sleep': return `sleep ${s.us} µs`;
    default: return assertNever(s, 'script step');
  }
}

/** Steps joined by `; `, with runs of identical steps written once with `×n`. */
export function describeSteps(steps: readonly ScriptStep[]): string {
  const parts: string[] = [];
  let last = '';
  let count = 0;
  const flush = (): void => {
    if (count > 0) parts.push(count === 1 ? last : `${last} ×${count}`);
  };
  for (const step of steps) {
    const text = describeStep(step);
    if (text === last) {
      count++;
      continue;
    }
    flush();
    last = text;
    count = 1;
  }
  flush();
  return parts.length === 0 ? '(no steps)' : parts.join('; ');
}

function describeApp(app: AppSpec, i: number): string {
  return `app ${i} on host ${app.host} cpu ${app.cpu} from ${app.startUs} µs: ${describeSteps(app.steps)}`;
}

function describeLink(l: LinkSpec, i: number): string {
  const capacity = l.capacity === 0 ? 'unlimited capacity' : `capacity ${l.capacity} frames`;
  return `link ${i}: host ${l.a} ↔ host ${l.b}, delay ${l.delayUs} µs, jitter ≤ ${l.jitterUs} µs, ${capacity}`;
}

function describeFrameFault(f: FrameFault): string {
  const extra = f.delayUs === undefined ? '' : ` +${f.delayUs} µs`;
  return `link ${f.link} ${f.dir} frame #${f.index}: ${f.fate}${extra}`;
}

export function describeStrategy(s: StrategySpec): string {
  switch (s.kind) {
    case 'lowest': return 'lowest';
    case 'random': return `random (seed ${s.seed})`;
    case 'pct': return `pct depth ${s.depth} (seed ${s.seed})`;
    case 'urw': return `urw (seed ${s.seed})`;
    case 'round-robin': return 'round-robin';
    default: return assertNever(s, 'strategy');
  }
}

function capped<T>(items: readonly T[], line: (item: T, i: number) => string): string[] {
  const out = items.slice(0, LIST_MAX).map((item, i) => `- ${line(item, i)}`);
  if (items.length > LIST_MAX) out.push(`- … ${items.length - LIST_MAX} more (see scenario.json)`);
  return out;
}

function describeHost(s: Scenario, i: number): string {
  const h = s.hosts[i]!;
  const overrides = [
    h.tcp === undefined ? '' : ` tcp ${JSON.stringify(h.tcp)}`,
    h.udp === undefined ? '' : ` udp ${JSON.stringify(h.udp)}`,
  ].join('');
  return `host ${i} (${formatIp(hostAddr(i))}): ${h.stack}, ${plural(h.ncpus, 'CPU')}${overrides}`;
}

function describeFaults(s: Scenario): string[] {
  const { frames, partitions } = s.faults;
  if (frames.length === 0 && partitions.length === 0) return ['- faults: none'];
  const out = [`- faults (before ${s.limits.safetyUs} µs): ${plural(frames.length, 'frame fault')}, ` +
    `${plural(partitions.length, 'partition')}`];
  out.push(...capped(frames, describeFrameFault).map((l) => `  ${l}`));
  out.push(...capped(partitions, (p) => `partition of link ${p.link} from ${p.startUs} to ${p.endUs} µs`)
    .map((l) => `  ${l}`));
  return out;
}

/** The scenario as a markdown list. */
export function describeScenario(s: Scenario): string[] {
  const sched = s.schedule;
  const choices = sched.choices.length === 0
    ? 'no explicit choices'
    : `${plural(sched.choices.length, 'explicit choice')} [${sched.choices.slice(0, 24).join(',')}` +
      `${sched.choices.length > 24 ? ',…' : ''}]`;
  return [
    ...capped(s.hosts, (_h, i) => describeHost(s, i)),
    ...capped(s.links, describeLink),
    ...describeFaults(s),
    ...capped(s.apps, describeApp),
    `- schedule: ${choices}, then ${describeStrategy(sched.then)}`,
    `- seed ${s.seed}; safety ${s.limits.safetyUs} µs, liveness ≤ ${s.limits.livenessUs} µs, ` +
      `≤ ${s.limits.maxSteps} steps`,
  ];
}
