import { assertNever } from '../../core/assert';
import type { CommitInput } from '../../core/trace';
import type { CallId, CpuId, FrameId, ThreadId } from '../../core/ids';
import type { LwktMsg } from './msgport';
import type { Token } from './token';
import type { WaitChannel } from './sleep';
import { MSGF_DONE } from './msgflags';

/**
 * Read before editing: dragonfly.md D.1 (threads), D.13 (tokens), D.4 (blocking in domsg).
 *
 * An LWKT thread is a generator function. It yields wherever the real thread could block or be
 * interleaved; *why* it yielded is recorded on the thread (`block`) before the yield, so the
 * scheduler can tell whether it may run again. A thread never runs while a token it needs is
 * held by another thread (LWKT: tokens are re-acquired before a blocked thread resumes).
 */

/** A coroutine step of a thread. `yield` hands the CPU back to the scheduler. */
export type Co<T = void> = Generator<void, T, void>;

export type Block =
  /** Runnable now: fresh, preempted, or woken. */
  | { readonly kind: 'none' }
  /** Waiting for work (netisr: an empty port; user thread: no call queued). */
  | { readonly kind: 'idle' }
  /** A contended token: runnable once every token in `want` is free. */
  | { readonly kind: 'tokens' }
  /** `lwkt_domsg`: runnable once the message is replied (MSGF_DONE). */
  | { readonly kind: 'reply'; readonly msg: LwktMsg }
  /** `tsleep` on a wait channel; `wakeup` turns this back into 'none'. */
  | { readonly kind: 'sleep'; readonly chan: WaitChannel };

export const READY: Block = { kind: 'none' };
export const IDLE: Block = { kind: 'idle' };
export const TOKENS: Block = { kind: 'tokens' };

export type ThreadKind = 'netisr' | 'user' | 'pseudo';

/** One token reference held (or to be re-acquired) by a thread; recursion = several refs. */
export interface TokenRef {
  readonly tok: Token;
  readonly path: string;
}

/** An open transaction (docs/CONTRACTS.md): what its commit event will say. */
export interface Txn {
  readonly id: number;
  readonly input: CommitInput;
  readonly msg: number | undefined;
  linearizes: boolean;
  readonly frames: FrameId[];
  readonly completions: CallId[];
}

export class Thread {
  block: Block = READY;
  /** Token refs held, oldest first (released in reverse order, as lwkt_reltoken requires). */
  held: TokenRef[] = [];
  /** Token refs to (re-)acquire before this thread may run again. */
  want: TokenRef[] = [];
  txn: Txn | null = null;
  co: Co<never> | null = null;

  constructor(
    readonly id: ThreadId,
    readonly cpu: CpuId,
    readonly name: string,
    readonly kind: ThreadKind,
    /** For idle threads: is there work to pick up? */
    private readonly hasWork: () => boolean,
  ) {}

  /** Could the scheduler run this thread now? */
  isRunnable(): boolean {
    const b = this.block;
    switch (b.kind) {
      case 'none':
      case 'tokens':
        break;
      case 'idle':
        if (!this.hasWork()) return false;
        break;
      case 'reply':
        if ((b.msg.flags & MSGF_DONE) === 0) return false;
        break;
      case 'sleep':
        return false;
      default:
        return assertNever(b, 'thread block');
    }
    return this.tokensAvailable();
  }

  /** Every wanted token is free or already ours (`lwkt_getalltokens` would succeed). */
  tokensAvailable(): boolean {
    for (const r of this.want) {
      const h = r.tok.holder;
      if (h !== null && h !== this) return false;
    }
    return true;
  }

  holds(tok: Token): boolean {
    return tok.holder === this;
  }
}
