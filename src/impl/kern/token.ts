import { assert } from '../../core/assert';
import type { Kern } from './kern';
import type { Co, Thread } from './thread';
import { TOKENS } from './thread';

/**
 * Read before editing: dragonfly.md D.13 (`sys/kern/lwkt_token.c`).
 *
 * An LWKT token serializes threads only while the holder runs. Acquisition is recursive. A
 * contended acquire switches the thread out; switching out releases *every* token the thread
 * holds, and all of them are re-acquired together before it runs again (`lwkt_getalltokens`).
 * So tokens never deadlock, but whatever a token guards may change across a contended acquire or
 * any other block: code must re-validate afterwards, and should take all the tokens it needs up
 * front (`getTokens`) before reading what they guard. A preemption point keeps tokens held.
 *
 * `path` labels the code path that takes the token (e.g. 'udp.input', 'so.recv'); acquisitions
 * are counted per path (claim 3d: the established data path takes none).
 */
export class Token {
  holder: Thread | null = null;
  /** References held by `holder` (recursion). */
  refs = 0;

  constructor(readonly name: string) {}
}

function take(k: Kern, td: Thread, tok: Token, path: string): void {
  tok.holder = td;
  tok.refs++;
  td.held.push({ tok, path });
  k.noteToken(td, tok.name, 'acquire', path);
}

/** `lwkt_gettoken`: returns with `tok` held; may yield (and then re-acquires everything held). */
export function* getToken(k: Kern, tok: Token, path: string): Co {
  yield* getTokens(k, [tok], path);
}

/**
 * Acquire several tokens as one step: either all are free now and are taken without yielding,
 * or the thread releases what it holds and waits until all of them (plus what it held) are free.
 */
export function* getTokens(k: Kern, toks: readonly Token[], path: string): Co {
  const td = k.curthread();
  let free = true;
  for (const t of toks) if (t.holder !== null && t.holder !== td) free = false;
  if (free) {
    for (const t of toks) take(k, td, t, path);
    return;
  }
  // Contended: LWKT switches out, which releases every token we hold; the kernel hands them
  // all back, together with the new ones, before this generator resumes.
  k.releaseAll(td);
  for (const t of toks) td.want.push({ tok: t, path });
  td.block = TOKENS;
  yield;
  for (const t of toks) assert(t.holder === td, `getTokens: resumed without ${t.name}`);
}

/** `lwkt_reltoken`: release the most recent reference, which must be to `tok`. */
export function relToken(k: Kern, tok: Token): void {
  const td = k.curthread();
  const top = td.held[td.held.length - 1];
  assert(
    top !== undefined && top.tok === tok,
    `relToken: ${tok.name} is not the last token taken by ${td.name}`,
  );
  td.held.pop();
  tok.refs--;
  if (tok.refs === 0) tok.holder = null;
  k.noteToken(td, tok.name, 'release', top.path);
}

/** Release several tokens taken together by `getTokens` (in reverse order). */
export function relTokens(k: Kern, toks: readonly Token[]): void {
  for (let i = toks.length - 1; i >= 0; i--) relToken(k, toks[i]!);
}
