/**
 * The one place the model takes its wire codec from. TODO(core): src/core/codec.ts is being
 * written in parallel; until it lands this re-exports a private stand-in with the same contract
 * (`_standin.ts`). Switching is a change to this file only.
 */
export { decodePacket, encodePacket } from './_standin';
