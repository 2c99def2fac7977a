/**
 * The checkers (ARCHITECTURE §6): observers that read a finished run's trace and never call into
 * a stack. Each is `(run: RunRecord) => Verdict`, pure, and imports only `core` and `model`.
 * Determinism compares two runs of one scenario instead. `TCP rule oracles` live in `rules/`.
 * @public
 */
import type { RunRecord, Verdict } from '../core/run';
import { checkUdpIntegrity } from './integrity';
import { checkLiveness } from './liveness';
import { checkNetisr } from './netisr';
import { checkRefinement } from './refinement';
import { checkSerializability } from './serializability';
import { checkStreamIntegrity } from './stream';

export { checkRefinement, REFINEMENT_CHECKER, REFINEMENT_CLAIM } from './refinement';
export { checkNetisr, NETISR_CHECKER, NETISR_CLAIM } from './netisr';
export {
  checkSerializability,
  DATA_PATH_DEFAULT,
  SERIALIZABILITY_CHECKER,
  SERIALIZABILITY_CLAIM,
  tokenAcquisitions,
} from './serializability';
export type { SerializabilityOptions, TokenSummary } from './serializability';
export { checkUdpIntegrity, UDP_INTEGRITY_CHECKER, UDP_INTEGRITY_CLAIM } from './integrity';
export { checkStreamIntegrity, STREAM_INTEGRITY_CHECKER, STREAM_INTEGRITY_CLAIM } from './stream';
export { checkDeterminism, DETERMINISM_CHECKER, DETERMINISM_CLAIM } from './determinism';
export { checkLiveness, LIVENESS_CHECKER, LIVENESS_CLAIM } from './liveness';
export { replaySeed } from './replay';
export type { Violation } from './verdict';

export type Checker = (run: RunRecord) => Verdict;

/** Every single-run checker of this directory, by name (determinism needs two runs). */
export const RUN_CHECKERS: Readonly<Record<string, Checker>> = {
  refinement: checkRefinement,
  'netisr-conformance': checkNetisr,
  serializability: (run) => checkSerializability(run),
  'udp-integrity': checkUdpIntegrity,
  'tcp-integrity': checkStreamIntegrity,
  liveness: checkLiveness,
};

/** The first failing verdict of `checkers` over `run`, in the order given, or PASS. */
export function firstFailure(run: RunRecord, checkers: readonly Checker[]): Verdict {
  for (const check of checkers) {
    const v = check(run);
    if (!v.ok) return v;
  }
  return { ok: true };
}
