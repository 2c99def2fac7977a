import { z } from 'zod';
import { MAX_CPUS } from '../core/config';
import type { TcpConfig, UdpConfig } from '../core/config';
import type { Result } from '../core/result';
import { err, ok } from '../core/result';
import { SCENARIO_VERSION } from './types';
import type { Scenario } from './types';
import { checkReferences } from './references';

/**
 * The Scenario's JSON schema (ARCHITECTURE §7: "validated on load"). A scenario comes from a file a
 * person may have edited, so every field is checked here — types, ranges, and (in references.ts)
 * the indices and socket names that must refer to something — and the first problem is reported
 * as ONE line naming the field: `scenario.hosts[1].ncpus: must be an integer from 1 to 16`.
 * Past this boundary the simulator only asserts (STYLE P6).
 */

/** UDP payload limit of IPv4: 65535 − 20 (IP) − 8 (UDP). */
export const UDP_PAYLOAD_MAX = 65507;
/** hostAddr(i) = 10.0.0.(i+1): index 253 is 10.0.0.254, the last unicast address of the /24. */
export const HOSTS_MAX = 254;
/** Sizes beyond this are typos, not workloads (16 MiB). */
const BYTES_MAX = 1 << 24;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

type Issue = { readonly input?: unknown };
/** A missing field says so; a present but wrong one gets the field's own message. */
const orRequired =
  (message: string) =>
  (iss: Issue): string =>
    iss.input === undefined ? 'is required' : message;

function intText(lo: number, hi: number): string {
  if (hi === SAFE_MAX)
    return lo === 0 ? 'must be a non-negative integer' : `must be an integer ≥ ${lo}`;
  return `must be an integer from ${lo} to ${hi}`;
}

/** An integer in [lo, hi] with one message for every way of not being one. */
export function intIn(lo: number, hi: number = SAFE_MAX) {
  const text = intText(lo, hi);
  return z
    .number({ error: orRequired(text) })
    .refine((n) => Number.isSafeInteger(n) && n >= lo && n <= hi, { error: text });
}

const bool = () => z.boolean({ error: orRequired('must be true or false') });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: orRequired(`must be one of ${values.map((v) => `'${v}'`).join(', ')}`) });
const name = () =>
  z
    .string({ error: orRequired('must be a non-empty string') })
    .refine((s) => s.length > 0 && s.length <= 64, {
      error: 'must be a non-empty string of at most 64 characters',
    });
const port = () => intIn(0, 0xffff);

const tcpShape = {
  mtu: intIn(68, 0xffff),
  mssdflt: intIn(1, 0xffff),
  rfc1323: bool(),
  sack: bool(),
  rfc6675: bool(),
  limitedTransmit: bool(),
  earlyRetransmit: bool(),
  eifel: bool(),
  eifelResponse: bool(),
  abc: bool(),
  rfc3390: bool(),
  iwmaxsegs: intIn(1, 64),
  iwcapsegs: intIn(1, 64),
  delayedAck: bool(),
  delackTimeMs: intIn(1, 60_000),
  aggregateAcks: bool(),
  avoidPureWinUpdate: bool(),
  nagle: bool(),
  sendspace: intIn(1, BYTES_MAX),
  recvspace: intIn(1, BYTES_MAX),
  syncookies: bool(),
  syncacheBucketLimit: intIn(1, 1 << 16),
  syncacheRexmtLimit: intIn(0, 64),
  tso: bool(),
  tsoMaxBytes: intIn(1, 0xffff),
  fairsend: intIn(0, 1 << 16),
  mslMs: intIn(1, 3_600_000),
  rexmitMinTicks: intIn(0, 1 << 16),
  rexmitSlopTicks: intIn(0, 1 << 16),
  somaxconn: intIn(1, 1 << 16),
  lowRtobase: bool(),
  eifelRtoincTicks: intIn(0, 1 << 16),
  smartsack: bool(),
  rescuesack: bool(),
  ignoreRedunDsack: bool(),
  idleRestart: bool(),
  idleCwv: bool(),
  pawsTolerance: intIn(0, 1 << 16),
  keepinitMs: intIn(1, 3_600_000),
  syncacheHashSize: intIn(1, 1 << 16),
} satisfies Record<keyof TcpConfig, z.ZodType>;

const udpShape = {
  maxdgram: intIn(1, UDP_PAYLOAD_MAX),
  recvspace: intIn(1, BYTES_MAX),
  checksum: bool(),
} satisfies Record<keyof UdpConfig, z.ZodType>;

const strict = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, { error: orRequired('must be an object') });
const list = <T extends z.ZodType>(item: T, what = 'must be an array') =>
  z.array(item, { error: orRequired(what) });

const hostSchema = strict({
  stack: oneOf(['impl', 'model']),
  ncpus: intIn(1, MAX_CPUS),
  tcp: z.strictObject(tcpShape, { error: 'must be an object' }).partial().optional(),
  udp: z.strictObject(udpShape, { error: 'must be an object' }).partial().optional(),
});

const linkSchema = strict({
  a: intIn(0, HOSTS_MAX - 1),
  b: intIn(0, HOSTS_MAX - 1),
  delayUs: intIn(0),
  jitterUs: intIn(0),
  capacity: intIn(0),
});

const frameFaultSchema = strict({
  link: intIn(0),
  dir: oneOf(['ab', 'ba']),
  index: intIn(0),
  fate: oneOf(['drop', 'duplicate', 'delay']),
  delayUs: intIn(0).optional(),
});

const partitionSchema = strict({ link: intIn(0), startUs: intIn(0), endUs: intIn(0) });

const peerSchema = strict({ host: intIn(0, HOSTS_MAX - 1), port: port() });
const nonblocking = bool().optional();

const stepSchema = z.discriminatedUnion(
  'op',
  [
    strict({ op: z.literal('socket'), proto: oneOf(['tcp', 'udp']), name: name() }),
    strict({ op: z.literal('bind'), sock: name(), port: port() }),
    strict({ op: z.literal('connect'), sock: name(), peer: peerSchema, nonblocking }),
    strict({ op: z.literal('listen'), sock: name(), backlog: intIn(0, 1 << 16) }),
    strict({ op: z.literal('accept'), sock: name(), as: name(), nonblocking }),
    strict({
      op: z.literal('send'),
      sock: name(),
      bytes: intIn(0, BYTES_MAX),
      to: peerSchema.optional(),
      nonblocking,
    }),
    strict({ op: z.literal('recv'), sock: name(), maxBytes: intIn(0, BYTES_MAX), nonblocking }),
    strict({ op: z.literal('shutdown'), sock: name() }),
    strict({ op: z.literal('close'), sock: name() }),
    strict({ op: z.literal('abort'), sock: name() }),
    strict({ op: z.literal('sleep'), us: intIn(0) }),
  ],
  {
    error: orRequired(
      'must be a step whose op is one of socket, bind, connect, listen, accept, send, recv, ' +
        'shutdown, close, abort, sleep',
    ),
  },
);

const appSchema = strict({
  host: intIn(0, HOSTS_MAX - 1),
  cpu: intIn(0, MAX_CPUS - 1),
  startUs: intIn(0),
  steps: list(stepSchema),
});

const strategySchema = z.discriminatedUnion(
  'kind',
  [
    strict({ kind: z.literal('lowest') }),
    strict({ kind: z.literal('random'), seed: intIn(0) }),
    strict({ kind: z.literal('pct'), seed: intIn(0), depth: intIn(1, 1 << 10) }),
    strict({ kind: z.literal('urw'), seed: intIn(0) }),
    strict({ kind: z.literal('round-robin') }),
  ],
  {
    error: orRequired(
      "must be a strategy whose kind is one of 'lowest', 'random', 'pct', 'urw', 'round-robin'",
    ),
  },
);

export const scenarioSchema = strict({
  version: z.literal(SCENARIO_VERSION, { error: orRequired(`must be ${SCENARIO_VERSION}`) }),
  seed: intIn(0),
  hosts: list(hostSchema).refine((h) => h.length >= 1 && h.length <= HOSTS_MAX, {
    error: `must list from 1 to ${HOSTS_MAX} hosts`,
  }),
  links: list(linkSchema),
  faults: strict({ frames: list(frameFaultSchema), partitions: list(partitionSchema) }),
  apps: list(appSchema),
  schedule: strict({ choices: list(intIn(0)), then: strategySchema }),
  limits: strict({ safetyUs: intIn(0), livenessUs: intIn(1), maxSteps: intIn(1) }),
});

/** `hosts[1].ncpus` from a zod path, prefixed by `root`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** The first issue of a failed parse as one line. */
export function firstIssue(root: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${root}: invalid`;
  const at = formatPath(root, issue.path);
  if (issue.code === 'unrecognized_keys') return `${at}: unknown field '${issue.keys[0] ?? ''}'`;
  return `${at}: ${issue.message.replace(/\s*\n\s*/g, ' ')}`;
}

/** Validate a scenario's structure and references; `root` prefixes every error's field path. */
export function parseScenarioAt(json: unknown, root: string): Result<Scenario, string> {
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) return err(firstIssue(root, parsed.error));
  const scenario: Scenario = parsed.data;
  const problem = checkReferences(scenario);
  if (problem !== null) return err(`${formatPath(root, problem.path)}: ${problem.message}`);
  return ok(scenario);
}

/** The `format` tag of a counterexample file (counterexample.ts). */
export const COUNTEREXAMPLE_FORMAT = 'mpcheck-counterexample';
export const COUNTEREXAMPLE_VERSION = 1;

/**
 * The counterexample-file wrapper around a scenario; the scenario itself is validated by
 * `parseScenarioAt` so its errors read `scenario.…` in both forms of input.
 */
export const counterexampleWrapperSchema = strict({
  format: z.literal(COUNTEREXAMPLE_FORMAT, {
    error: orRequired(`must be '${COUNTEREXAMPLE_FORMAT}'`),
  }),
  version: z.literal(COUNTEREXAMPLE_VERSION, {
    error: orRequired(
      `must be ${COUNTEREXAMPLE_VERSION} (this harness reads version ${COUNTEREXAMPLE_VERSION})`,
    ),
  }),
  harness: name(),
  property: name(),
  verdict: strict({
    checker: name(),
    kind: name(),
    message: z.string({ error: orRequired('must be a string') }),
    claim: z.string({ error: 'must be a string' }).optional(),
  }),
  minCpus: intIn(1, MAX_CPUS),
  traceHash: z.string({ error: orRequired('must be a string') }),
  scenario: z.unknown(),
});

export type CounterexampleWrapper = z.infer<typeof counterexampleWrapperSchema>;

/** True for the counterexample-file wrapper rather than a bare scenario. */
export const isCounterexampleWrapper = (json: unknown): boolean =>
  typeof json === 'object' && json !== null && !Array.isArray(json) && 'format' in json;

/** The wrapper's own fields, validated; the scenario inside is left to `parseScenarioAt`. */
export function parseWrapper(json: unknown): Result<CounterexampleWrapper, string> {
  const parsed = counterexampleWrapperSchema.safeParse(json);
  if (!parsed.success) return err(firstIssue('counterexample', parsed.error));
  return ok(parsed.data);
}

/**
 * A scenario from parsed JSON: either a bare scenario or a counterexample file, whose scenario is
 * returned. The error is one line naming the field.
 */
export function parseScenario(json: unknown): Result<Scenario, string> {
  if (!isCounterexampleWrapper(json)) return parseScenarioAt(json, 'scenario');
  const wrapper = parseWrapper(json);
  if (!wrapper.ok) return wrapper;
  return parseScenarioAt(wrapper.value.scenario, 'scenario');
}

/** JSON text → parsed JSON, or a one-line error. */
export function parseJsonText(text: string): Result<unknown, string> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return err(`not valid JSON: ${message.split('\n')[0]}`);
  }
}

/** A scenario (or counterexample file) from JSON text. */
export function loadScenarioText(text: string): Result<Scenario, string> {
  const json = parseJsonText(text);
  return json.ok ? parseScenario(json.value) : json;
}
