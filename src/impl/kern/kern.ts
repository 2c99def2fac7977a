import { assert } from '../../core/assert';
import type { CallId, CpuId, FrameId, HostId, ThreadId } from '../../core/ids';
import { threadId } from '../../core/ids';
import type { CommitInput, Discipline, TraceSink } from '../../core/trace';
import type { Co, ThreadKind } from './thread';
import { READY, Thread } from './thread';

/**
 * Read before editing: ARCHITECTURE §5 (ownership instrumentation), docs/CONTRACTS.md
 * (transactions and commits), dragonfly.md D.1.
 *
 * The kernel of one simulated host: its threads, the transaction of the running thread, and the
 * ownership instrumentation. Every mutable object of the implementation is a `KObj` declared
 * owned by a CPU, guarded by a token, or immutable; `rd`/`wr` record an access event in check
 * mode and cost one boolean test otherwise (the object's name is built once, at creation).
 */

export class KObj {
  constructor(
    readonly name: string,
    public discipline: Discipline,
  ) {}
}

export const owned = (cpu: CpuId): Discipline => ({ kind: 'owned', cpu });
export const guarded = (token: string): Discipline => ({ kind: 'guarded', token });
export const IMMUTABLE: Discipline = { kind: 'immutable' };

export class Kern {
  readonly check: boolean;
  /** The thread whose generator is running, or null (NIC interrupt, softclock). */
  cur: Thread | null = null;
  /** Sender of messages queued outside any thread: the NIC or a CPU's softclock. */
  context: Thread | null = null;
  readonly threads: Thread[] = [];
  /** The threads in canonical order (cpu, then id), kept sorted as they are spawned. */
  private readonly ordered: Thread[] = [];
  /** Token acquisitions per code path label (D.13; claim 3d reads the trace, tests read this). */
  readonly tokenAcquisitions = new Map<string, number>();
  private nextMsg = 1;
  private nextTxn = 1;
  /** Check mode only: linearizing commits per call/frame input, to assert exactly-once (UP-16). */
  private readonly linearized = new Map<string, number>();

  constructor(
    readonly host: HostId,
    readonly trace: TraceSink,
  ) {
    this.check = trace.checkMode;
  }

  spawn(
    cpu: CpuId, name: string, kind: ThreadKind, hasWork: () => boolean,
    body?: (td: Thread) => Co<never>,
  ): Thread {
    const td = new Thread(threadId(this.threads.length), cpu, name, kind, hasWork);
    this.threads.push(td);
    let i = this.ordered.length;
    while (i > 0 && this.ordered[i - 1]!.cpu > cpu) i--;
    this.ordered.splice(i, 0, td);
    if (body !== undefined) td.co = body(td);
    return td;
  }

  thread(id: ThreadId): Thread {
    const td = this.threads[id];
    assert(td !== undefined, `kern: no thread ${id}`);
    return td;
  }

  /** Run `td` until it next yields (Host.run). Re-acquires its tokens first (LWKT). */
  run(td: Thread): void {
    assert(this.cur === null, 'kern.run: re-entered');
    assert(td.co !== null, `kern.run: ${td.name} has no body`);
    assert(td.isRunnable(), `kern.run: ${td.name} is not runnable (${td.block.kind})`);
    if (td.want.length > 0) this.reacquire(td);
    td.block = READY;
    this.cur = td;
    try {
      const r = td.co.next();
      assert(r.done !== true, `kern.run: ${td.name}'s loop returned`);
    } finally {
      this.cur = null;
    }
  }

  /** The running thread; asserts there is one. */
  curthread(): Thread {
    const td = this.cur;
    assert(td !== null, 'kern: no current thread');
    return td;
  }

  /** Who sends a message now: the running thread or the interrupt/softclock context. */
  sender(): Thread {
    const td = this.cur ?? this.context;
    assert(td !== null, 'kern: message sent outside any thread or context');
    return td;
  }

  /** Run `fn` as the NIC interrupt or a softclock (a pseudo thread that never runs code). */
  inContext<T>(ctx: Thread, fn: () => T): T {
    assert(this.cur === null && this.context === null, 'kern.inContext: nested');
    this.context = ctx;
    try {
      return fn();
    } finally {
      this.context = null;
    }
  }

  msgId(): number {
    return this.nextMsg++;
  }

  // ---- ownership instrumentation ------------------------------------------------------------

  declare(o: KObj): void {
    if (!this.check) return;
    this.trace.emit({ kind: 'object', host: this.host, object: o.name, discipline: o.discipline });
  }

  /** An owned object moves to another CPU (`so_port` changes, D.9): re-declare it. */
  transfer(o: KObj, cpu: CpuId): void {
    o.discipline = owned(cpu);
    this.declare(o);
  }

  rd(o: KObj): void {
    if (this.check) this.access(o, 'r');
  }

  wr(o: KObj): void {
    if (this.check) this.access(o, 'w');
  }

  private access(o: KObj, mode: 'r' | 'w'): void {
    const td = this.curthread();
    const txn = td.txn;
    assert(txn !== null, `kern: ${td.name} touched ${o.name} outside a transaction`);
    const tokens: string[] = [];
    for (const r of td.held) if (!tokens.includes(r.tok.name)) tokens.push(r.tok.name);
    this.trace.emit({
      kind: 'access', host: this.host, cpu: td.cpu, thread: td.id, txn: txn.id,
      object: o.name, mode, tokens,
    });
  }

  // ---- transactions -------------------------------------------------------------------------

  begin(input: CommitInput, msg?: number): void {
    const td = this.curthread();
    assert(td.txn === null, `kern.begin: ${td.name} already has txn ${td.txn?.id}`);
    td.txn = { id: this.nextTxn++, input, msg, linearizes: false, frames: [], completions: [] };
  }

  /** A handler learned what its message really applies (e.g. which timers were due). */
  setInput(input: CommitInput): void {
    const td = this.curthread();
    assert(td.txn !== null, 'kern.setInput: no transaction');
    td.txn = { ...td.txn, input };
  }

  inTxn(): boolean {
    return this.cur !== null && this.cur.txn !== null;
  }

  /** The open transaction applies its input to protocol state: its commit linearizes it. */
  linearize(): void {
    const txn = this.curthread().txn;
    assert(txn !== null, 'kern.linearize: no transaction');
    txn.linearizes = true;
  }

  noteFrame(f: FrameId): void {
    const txn = this.curthread().txn;
    assert(txn !== null, 'kern: frame transmitted outside a transaction');
    txn.frames.push(f);
  }

  noteCompletion(c: CallId): void {
    const txn = this.curthread().txn;
    assert(txn !== null, 'kern: call completed outside a transaction');
    txn.completions.push(c);
  }

  commit(): void {
    const td = this.curthread();
    const txn = td.txn;
    assert(txn !== null, `kern.commit: ${td.name} has no transaction`);
    td.txn = null;
    if (this.check && txn.linearizes) this.countLinearization(txn.input);
    this.trace.emit({
      kind: 'commit', host: this.host, cpu: td.cpu, thread: td.id, txn: txn.id,
      input: txn.input, linearizes: txn.linearizes,
      ...(txn.msg !== undefined ? { msg: txn.msg } : {}),
      frames: txn.frames, completions: txn.completions,
    });
  }

  /** Pair assertion for UP-16 / CONTRACTS: one linearizing commit per frame delivery or call. */
  private countLinearization(input: CommitInput): void {
    let key: string | null = null;
    if (input.kind === 'frame') key = `f${input.delivery}`;
    else if (input.kind === 'call') key = `c${input.call}`;
    if (key === null) return;
    const n = (this.linearized.get(key) ?? 0) + 1;
    assert(n === 1, `kern: input ${key} linearized ${n} times`);
    this.linearized.set(key, n);
  }

  // ---- tokens (events and counters; the semantics live in token.ts) -------------------------

  noteToken(td: Thread, tokName: string, op: 'acquire' | 'release', path: string): void {
    const counts = this.tokenAcquisitions;
    if (op === 'acquire') counts.set(path, (counts.get(path) ?? 0) + 1);
    if (!this.check) return;
    this.trace.emit({
      kind: 'token', host: this.host, cpu: td.cpu, thread: td.id, token: tokName, op, path,
    });
  }

  /** `lwkt_getalltokens`: take every wanted token at once (the caller checked availability). */
  private reacquire(td: Thread): void {
    for (const r of td.want) {
      assert(r.tok.holder === null || r.tok.holder === td, `kern: ${r.tok.name} still held`);
      r.tok.holder = td;
      r.tok.refs++;
      this.noteToken(td, r.tok.name, 'acquire', r.path);
    }
    td.held = td.want;
    td.want = [];
  }

  /** Release every token `td` holds, remembering them for `reacquire` (LWKT block semantics). */
  releaseAll(td: Thread): void {
    for (let i = td.held.length - 1; i >= 0; i--) {
      const r = td.held[i]!;
      r.tok.refs--;
      if (r.tok.refs === 0) r.tok.holder = null;
      this.noteToken(td, r.tok.name, 'release', r.path);
    }
    td.want = td.held.concat(td.want);
    td.held = [];
  }

  /** Threads the scheduler may run, in canonical order (cpu, then thread id). */
  runnable(): Thread[] {
    const out: Thread[] = [];
    for (const td of this.ordered) if (td.co !== null && td.isRunnable()) out.push(td);
    return out;
  }
}
