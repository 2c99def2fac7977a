import * as fc from 'fast-check';
import { MAX_CPUS } from '../core/config';
import type { StackKind, UdpConfig } from '../core/config';
import { compileUdpWorkload } from './udp-workload';
import type {
  QuirkPlan,
  ReceiverPlan,
  SenderPlan,
  SizePlan,
  TargetPlan,
  UdpWorkloadPlan,
} from './udp-workload';
import { SCENARIO_VERSION } from './types';
import type {
  FaultPlan,
  FrameFault,
  HostSpec,
  LinkSpec,
  Limits,
  Partition,
  Scenario,
  ScheduleSpec,
  StrategySpec,
} from './types';

/**
 * fast-check arbitraries for Scenarios (ARCHITECTURE §7). Everything is generated as plain data
 * that shrinks on its own: fewer hosts and CPUs (toward 1), fewer links' quirks, fault families
 * switched off, fewer and later faults, shorter schedules with smaller choices, fewer apps,
 * fewer sends and smaller datagrams. Cross-references (host, CPU, link indices) are generated as
 * small naturals and resolved modulo what exists, so a shrink of one part never invalidates
 * another, and no `chain` blocks shrinking.
 *
 * Sized for CI: at most 3 hosts, 3 receiving sockets' worth of apps and 3 senders of ≤ 4
 * datagrams, so a property's 50–200 runs fit in seconds.
 */

/** Which stacks a scenario's hosts may use. 'mixed': any, with host 0 forced to impl if none is. */
export type StackChoice = 'mixed' | 'impl' | 'model';

export interface HostsOptions {
  readonly minHosts: number;
  readonly maxHosts: number;
  readonly maxCpus: number;
  readonly stacks: StackChoice;
}

/** Default limits: faults apply for 20 ms, then 200 ms to settle; a generous step bound. */
export const DEFAULT_LIMITS: Limits = { safetyUs: 20_000, livenessUs: 200_000, maxSteps: 50_000 };

/**
 * `nil` with weight `nilWeight` against 1 for a value of `arb`, shrinking toward `nil`
 * (fc.option's `freq` can only make nil the rarer case).
 */
export const mostlyNil = <T, N>(
  arb: fc.Arbitrary<T>,
  nil: N,
  nilWeight: number,
): fc.Arbitrary<T | N> =>
  fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(nil), weight: nilWeight },
    { arbitrary: arb, weight: 1 },
  );

/** 1–maxCpus, mostly small (where most bugs already show) but reaching 16. */
export const ncpusArb = (maxCpus = MAX_CPUS): fc.Arbitrary<number> =>
  fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.integer({ min: 1, max: Math.min(4, maxCpus) }), weight: 3 },
    { arbitrary: fc.integer({ min: 1, max: maxCpus }), weight: 1 },
  );

/** Swarm UDP configuration: each override is present or not, most runs take the defaults. */
export const udpConfigArb: fc.Arbitrary<Partial<UdpConfig> | undefined> = mostlyNil(
  fc.record(
    {
      maxdgram: fc.integer({ min: 16, max: 2048 }),
      recvspace: fc.integer({ min: 64, max: 4096 }),
      checksum: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  undefined,
  2,
);

const stackArb = (stacks: StackChoice): fc.Arbitrary<StackKind> =>
  stacks === 'mixed' ? fc.constantFrom<StackKind>('impl', 'model') : fc.constant(stacks);

export const hostSpecArb = (o: Pick<HostsOptions, 'maxCpus' | 'stacks'>): fc.Arbitrary<HostSpec> =>
  fc
    .record({ stack: stackArb(o.stacks), ncpus: ncpusArb(o.maxCpus), udp: udpConfigArb })
    .map(({ stack, ncpus, udp }): HostSpec =>
      udp === undefined ? { stack, ncpus } : { stack, ncpus, udp },
    );

export const hostsArb = (o: HostsOptions): fc.Arbitrary<HostSpec[]> =>
  fc.array(hostSpecArb(o), { minLength: o.minHosts, maxLength: o.maxHosts }).map((hosts) => {
    if (o.stacks !== 'mixed' || hosts.some((h) => h.stack === 'impl')) return hosts;
    return [{ ...hosts[0]!, stack: 'impl' as const }, ...hosts.slice(1)];
  });

/** Per-link parameters; `links` joins every pair of hosts (a full mesh of ≤ 3 links). */
interface LinkParams {
  readonly delayUs: number;
  readonly jitterUs: number;
  readonly capacity: number;
}

const linkParamsArb: fc.Arbitrary<LinkParams> = fc.record({
  delayUs: fc.integer({ min: 1, max: 500 }),
  jitterUs: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(0), weight: 2 },
    { arbitrary: fc.integer({ min: 1, max: 300 }), weight: 1 },
  ),
  capacity: fc.integer({ min: 1, max: 4 }),
});

/** The fault families of one run (swarm testing): each is on or off for the whole run. */
export interface FaultFamilies {
  readonly drop: boolean;
  readonly duplicate: boolean;
  readonly delay: boolean;
  readonly partition: boolean;
  /** Links get a finite capacity (tail drop); off = unlimited. */
  readonly capacity: boolean;
}

export const NO_FAULTS: FaultFamilies = {
  drop: false,
  duplicate: false,
  delay: false,
  partition: false,
  capacity: false,
};

/** Half the runs are fault-free (the lossless paths); the rest switch each family on or off. */
export const faultFamiliesArb: fc.Arbitrary<FaultFamilies> = mostlyNil(
  fc.record({
    drop: fc.boolean(),
    duplicate: fc.boolean(),
    delay: fc.boolean(),
    partition: fc.boolean(),
    capacity: fc.boolean(),
  }),
  NO_FAULTS,
  1,
);

interface RawFrameFault {
  readonly link: number;
  readonly dir: 'ab' | 'ba';
  readonly index: number;
  readonly fate: FrameFault['fate'];
  readonly delayUs: number;
}

const rawFrameFaultArb: fc.Arbitrary<RawFrameFault> = fc.record({
  link: fc.nat(2),
  dir: fc.constantFrom('ab' as const, 'ba' as const),
  index: fc.nat(11),
  fate: fc.constantFrom('drop' as const, 'duplicate' as const, 'delay' as const),
  delayUs: fc.integer({ min: 1, max: 3000 }),
});

interface RawPartition {
  readonly link: number;
  readonly startUs: number;
  readonly lengthUs: number;
}

const rawPartitionArb = (safetyUs: number): fc.Arbitrary<RawPartition> =>
  fc.record({
    link: fc.nat(2),
    startUs: fc.nat(safetyUs),
    lengthUs: fc.integer({ min: 1, max: safetyUs }),
  });

export interface FaultSwarm {
  readonly families: FaultFamilies;
  readonly frames: readonly RawFrameFault[];
  readonly partitions: readonly RawPartition[];
  readonly links: readonly LinkParams[];
}

export const faultSwarmArb = (safetyUs: number): fc.Arbitrary<FaultSwarm> =>
  fc.record({
    families: faultFamiliesArb,
    frames: fc.array(rawFrameFaultArb, { maxLength: 6 }),
    partitions: fc.array(rawPartitionArb(safetyUs), { maxLength: 2 }),
    links: fc.array(linkParamsArb, { minLength: 3, maxLength: 3 }),
  });

/** A full mesh over `hostCount` hosts with the swarm's link parameters. */
export function meshLinks(hostCount: number, swarm: FaultSwarm): LinkSpec[] {
  const links: LinkSpec[] = [];
  for (let a = 0; a < hostCount; a++) {
    for (let b = a + 1; b < hostCount; b++) {
      const p = swarm.links[links.length % swarm.links.length]!;
      links.push({
        a,
        b,
        delayUs: p.delayUs,
        jitterUs: p.jitterUs,
        capacity: swarm.families.capacity ? p.capacity : 0,
      });
    }
  }
  return links;
}

/** The swarm's faults restricted to the families switched on and to links that exist. */
export function faultPlanOf(swarm: FaultSwarm, linkCount: number): FaultPlan {
  if (linkCount === 0) return { frames: [], partitions: [] };
  const frames: FrameFault[] = swarm.frames
    .filter((f) => swarm.families[f.fate])
    .map((f) => {
      const base = { link: f.link % linkCount, dir: f.dir, index: f.index, fate: f.fate };
      return f.fate === 'drop' ? base : { ...base, delayUs: f.delayUs };
    });
  const partitions: Partition[] = swarm.families.partition
    ? swarm.partitions.map((p) => ({
        link: p.link % linkCount,
        startUs: p.startUs,
        endUs: p.startUs + p.lengthUs,
      }))
    : [];
  return { frames, partitions };
}

/** Every strategy; shrinks toward 'lowest' (the replay strategy). */
export const strategyArb: fc.Arbitrary<StrategySpec> = fc.oneof(
  { withCrossShrink: true },
  fc.constant<StrategySpec>({ kind: 'lowest' }),
  fc.nat().map((seed): StrategySpec => ({ kind: 'random', seed })),
  fc
    .record({ seed: fc.nat(), depth: fc.integer({ min: 1, max: 4 }) })
    .map(({ seed, depth }): StrategySpec => ({ kind: 'pct', seed, depth })),
  fc.nat().map((seed): StrategySpec => ({ kind: 'urw', seed })),
  fc.constant<StrategySpec>({ kind: 'round-robin' }),
);

/** An explicit choice prefix (shrinks shorter and toward 0 = lowest) then a strategy. */
export const scheduleArb = (maxChoices = 64): fc.Arbitrary<ScheduleSpec> =>
  fc.record({ choices: fc.array(fc.nat(31), { maxLength: maxChoices }), then: strategyArb });

const sizeArb: fc.Arbitrary<SizePlan> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.nat(1472).map((bytes): SizePlan => ({ kind: 'small', bytes })), weight: 8 },
  { arbitrary: fc.constant<SizePlan>({ kind: 'max' }), weight: 1 },
  {
    arbitrary: fc.integer({ min: 1, max: 64 }).map((extra): SizePlan => ({ kind: 'over', extra })),
    weight: 1,
  },
);

export const receiverPlanArb: fc.Arbitrary<ReceiverPlan> = fc.record({
  host: fc.nat(2),
  cpu: fc.nat(MAX_CPUS - 1),
  // Receivers bind before any sender starts (senders start at ≥ 200 µs).
  startUs: fc.nat(50),
  sockets: fc.integer({ min: 1, max: 2 }),
  maxBytes: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant<'full'>('full'), weight: 4 },
    { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 1 },
  ),
  polls: fc.integer({ min: 1, max: 8 }),
  pollGapUs: fc.integer({ min: 300, max: 4000 }),
  closeAfterPolls: mostlyNil(fc.nat(5), null, 4),
  connectTo: mostlyNil(fc.nat(2), null, 3),
});

const targetArb: fc.Arbitrary<TargetPlan> = fc.oneof(
  { withCrossShrink: true },
  {
    arbitrary: fc
      .record({ receiver: fc.nat(1), socket: fc.nat(1) })
      .map((t): TargetPlan => ({ kind: 'receiver', ...t })),
    weight: 5,
  },
  { arbitrary: fc.nat(2).map((host): TargetPlan => ({ kind: 'closed', host })), weight: 1 },
);

const QUIRKS: readonly QuirkPlan[] = [
  'send-to-while-connected',
  'send-without-to',
  'bind-twice',
  'send-after-shutdown',
];

const quirksArb: fc.Arbitrary<QuirkPlan[]> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.constant<QuirkPlan[]>([]), weight: 4 },
  { arbitrary: fc.subarray([...QUIRKS], { minLength: 1 }), weight: 1 },
);

export const senderPlanArb: fc.Arbitrary<SenderPlan> = fc.record({
  host: fc.nat(2),
  cpu: fc.nat(MAX_CPUS - 1),
  // Often all at one instant, so their syscalls and datagrams contend and the scheduler decides.
  startUs: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(200), weight: 2 },
    { arbitrary: fc.integer({ min: 200, max: 3000 }), weight: 1 },
  ),
  connected: fc.boolean(),
  bindPort: mostlyNil(fc.nat(3), null, 2),
  target: targetArb,
  sends: fc.array(sizeArb, { maxLength: 4 }),
  gapUs: fc.oneof({ withCrossShrink: true }, fc.constant(0), fc.integer({ min: 1, max: 1000 })),
  closeAfter: mostlyNil(fc.nat(3), null, 5),
  quirks: quirksArb,
});

export const udpWorkloadPlanArb: fc.Arbitrary<UdpWorkloadPlan> = fc.record({
  receivers: fc.array(receiverPlanArb, { minLength: 0, maxLength: 2 }),
  senders: fc.array(senderPlanArb, { minLength: 1, maxLength: 3 }),
});

export interface UdpScenarioOptions {
  readonly stacks: StackChoice;
  readonly minHosts?: number;
  readonly maxHosts?: number;
  readonly maxCpus?: number;
  /** False: fault-free runs only (every link lossless, blocking receivers). */
  readonly faults?: boolean;
  readonly limits?: Limits;
  readonly maxChoices?: number;
}

/** The pieces a UDP scenario is generated from, before compiling the workload. */
export interface UdpScenarioParts {
  readonly seed: number;
  readonly hosts: readonly HostSpec[];
  readonly swarm: FaultSwarm;
  readonly plan: UdpWorkloadPlan;
  readonly schedule: ScheduleSpec;
}

export function buildUdpScenario(
  parts: UdpScenarioParts,
  limits: Limits,
  faults: boolean,
): Scenario {
  const swarm = faults ? parts.swarm : { ...parts.swarm, families: NO_FAULTS };
  const links = meshLinks(parts.hosts.length, swarm);
  const faultPlan = faultPlanOf(swarm, links.length);
  const apps = compileUdpWorkload(parts.plan, { hosts: parts.hosts, links, faults: faultPlan });
  return {
    version: SCENARIO_VERSION,
    seed: parts.seed,
    hosts: parts.hosts,
    links,
    faults: faultPlan,
    apps,
    schedule: parts.schedule,
    limits,
  };
}

/** UDP scenarios: 2–3 hosts in a mesh, swarm faults, a UDP workload and a random schedule. */
export function udpScenarioArb(o: UdpScenarioOptions): fc.Arbitrary<Scenario> {
  const limits = o.limits ?? DEFAULT_LIMITS;
  const hosts = hostsArb({
    minHosts: o.minHosts ?? 2,
    maxHosts: o.maxHosts ?? 3,
    maxCpus: o.maxCpus ?? MAX_CPUS,
    stacks: o.stacks,
  });
  return fc
    .record({
      seed: fc.nat(),
      hosts,
      swarm: faultSwarmArb(limits.safetyUs),
      plan: udpWorkloadPlanArb,
      schedule: scheduleArb(o.maxChoices ?? 64),
    })
    .map((parts) => buildUdpScenario(parts, limits, o.faults ?? true));
}
