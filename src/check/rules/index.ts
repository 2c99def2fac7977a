import type { RunRecord, Verdict } from '../../core/run';
import type { Violation } from '../verdict';
import { verdictOf } from '../verdict';
import { checkAcceptability } from './acceptability';
import { checkCongestionControl } from './cc';
import { checkDelayedAck } from './delack';
import { checkEifel } from './eifel';
import { checkEarlyRetransmit } from './er';
import { handshakeOf } from './handshake';
import { checkInitialWindow } from './iw';
import { checkLimitedTransmit } from './lt';
import { checkFastRetransmit } from './newreno';
import { checkRetransmitTimer } from './rto';
import { checkSack } from './sack';
import { extractConnections } from './trace';
import { checkTso } from './tso';
import type { ConnTrace, RuleOracle, RuleViolation } from './types';
import { configOf } from './types';

/**
 * The TCP rule oracles (ARCHITECTURE §6.4): the third opinion, written from the rule book
 * (`shared/spec/tcp-rules.md`) and DragonFly's documented behaviour (`dragonfly.md` A, F, G;
 * docs/TCP-PROFILE.md), independent of both the model and the implementation — they import only
 * `core`. Each oracle reads one connection's wire trace; `checkRules` runs every oracle whose
 * feature the configuration switches on over every TCP connection of a run. Oracles never flag
 * correct DragonFly behaviour: where the wire cannot decide they check a sound bound, and say so.
 * @public
 */

export const RULES_CHECKER = 'tcp-rules';
export const RULES_CLAIM = 'Correct retransmit behaviour (tcp-rules.md, dragonfly.md A/F)';

export interface OracleEntry {
  readonly name: string;
  readonly check: RuleOracle;
  /** Runs only when this holds for the connection (its feature is switched on). */
  readonly enabled: (conn: ConnTrace) => boolean;
}

const either = (conn: ConnTrace, f: (c: ReturnType<typeof configOf>) => boolean): boolean =>
  f(configOf(conn, 'a')) || f(configOf(conn, 'b'));
const always = (): boolean => true;

/** Every oracle, with the switch that enables it. */
export const ORACLES: readonly OracleEntry[] = [
  { name: 'acceptability', check: checkAcceptability, enabled: always },
  { name: 'initial-window', check: checkInitialWindow, enabled: always },
  { name: 'retransmit-timer', check: checkRetransmitTimer, enabled: always },
  { name: 'congestion-control', check: checkCongestionControl, enabled: always },
  { name: 'fast-retransmit', check: checkFastRetransmit, enabled: always },
  { name: 'limited-transmit', check: checkLimitedTransmit, enabled: (c) => either(c, (x) => x.limitedTransmit) },
  {
    name: 'early-retransmit', check: checkEarlyRetransmit,
    enabled: (c) => either(c, (x) => x.earlyRetransmit && x.eifel) && handshakeOf(c)?.ts === true,
  },
  { name: 'eifel', check: checkEifel, enabled: (c) => either(c, (x) => x.eifel) && handshakeOf(c)?.ts === true },
  { name: 'sack', check: checkSack, enabled: (c) => handshakeOf(c)?.sack === true },
  { name: 'tso', check: checkTso, enabled: (c) => either(c, (x) => x.tso) },
  { name: 'delayed-ack', check: checkDelayedAck, enabled: always },
];

/** All violations of the enabled oracles on one connection, in event order. */
export function checkConnection(conn: ConnTrace, oracles: readonly OracleEntry[] = ORACLES): RuleViolation[] {
  const found: RuleViolation[] = [];
  for (const o of oracles) if (o.enabled(conn)) found.push(...o.check(conn));
  return found.sort((x, y) => x.at - y.at);
}

/** The rule oracles over every TCP connection of a run. The verdict's kind is the rule ID. */
export function checkRules(run: RunRecord): Verdict {
  const found: Violation[] = [];
  for (const conn of extractConnections(run)) {
    for (const v of checkConnection(conn)) {
      const e = conn.events[v.at];
      found.push({
        kind: v.rule,
        message: `${conn.name ?? 'connection'}: [${v.rule}] ${v.message}`,
        ...(e?.traceSeq !== undefined ? { atSeq: e.traceSeq } : {}),
      });
    }
  }
  return verdictOf(RULES_CHECKER, RULES_CLAIM, found);
}

export { extractConnections } from './trace';
export { checkAcceptability } from './acceptability';
export { checkInitialWindow, initialWindowBound } from './iw';
export { checkRetransmitTimer } from './rto';
export { checkCongestionControl } from './cc';
export { checkFastRetransmit } from './newreno';
export { checkLimitedTransmit } from './lt';
export { checkEarlyRetransmit } from './er';
export { checkEifel } from './eifel';
export { checkSack } from './sack';
export { checkTso } from './tso';
export { checkDelayedAck } from './delack';
export { handshakeOf } from './handshake';
export type { Handshake } from './handshake';
export { otherSide } from './types';
export type { Cause, ConnEvent, ConnTrace, RuleOracle, RuleViolation, Side, SupplyPoint } from './types';
