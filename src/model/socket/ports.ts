/**
 * Ephemeral port selection, UP-3 (docs/UDP-PROFILE.md).
 *
 * One host-wide cursor starts at 49152. A request takes the first port at or after the cursor that
 * no socket of the same protocol holds, wrapping 65535 → 49152; the cursor then moves just past
 * the port taken. If every port of the range is held the request fails EADDRNOTAVAIL.
 * DEVIATION (UP-3): DragonFly starts at a random offset inside a per-CPU partition of the range
 * (dragonfly.md D.8); a single cursor is deterministic and just as correct.
 *
 * The cursor is host-wide (shared by TCP and UDP), so it lives beside the descriptor table in
 * the socket layer rather than inside one protocol's state.
 */
import type { Port } from '../../core/addr';
import { EPHEMERAL_FIRST, EPHEMERAL_LAST, port } from '../../core/addr';
import { assert } from '../../core/assert';

/** UP-3: how many ports the ephemeral range holds (49152 … 65535). */
export const EPHEMERAL_COUNT = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;

/** The port after `p` in the ephemeral range, wrapping 65535 → 49152 (UP-3). */
export const nextEphemeral = (p: Port): Port => {
  assert(p >= EPHEMERAL_FIRST && p <= EPHEMERAL_LAST, `UP-3: ${p} is outside the ephemeral range`);
  return p === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port(p + 1);
};

export interface EphemeralPick {
  readonly port: Port;
  /** The cursor after the pick: just past `port`. */
  readonly cursor: Port;
}

/**
 * UP-3: the first port at or after `cursor` that `held` does not report, or null when the whole
 * range is held (the caller answers EADDRNOTAVAIL).
 */
export function pickEphemeral(cursor: Port, held: (p: Port) => boolean): EphemeralPick | null {
  let candidate = cursor;
  for (let tried = 0; tried < EPHEMERAL_COUNT; tried++) {
    if (!held(candidate)) return { port: candidate, cursor: nextEphemeral(candidate) };
    candidate = nextEphemeral(candidate);
  }
  return null;
}
