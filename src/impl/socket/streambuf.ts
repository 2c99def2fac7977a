import { assert } from '../../core/assert';

/**
 * Read before editing: dragonfly.md D.7 (`ssb_appendstream`, `sbdrop`), A.12.
 *
 * The byte stream of a TCP socket buffer: a queue of chunks, appended at the tail and consumed
 * from the head. `so_snd` keeps bytes from snd_una on (dropped as they are acknowledged, copied
 * out by tcp_output at an offset); `so_rcv` holds in-order data until the reader takes it. The
 * buffer never copies on append (chunks are owned by it from then on) and copies on read only
 * when a read spans chunks — the bulk path of a 64 MB transfer reads within single chunks.
 */
export class StreamBuf {
  private chunks: Uint8Array[] = [];
  private head = 0;
  /** Bytes of chunks[head] already consumed. */
  private headOff = 0;
  /** `sb_cc`: bytes in the buffer. */
  cc = 0;

  constructor(
    /** `ssb_hiwat`: sendspace / recvspace (TP-11, TP-20; no autosizing, TP-1). */
    readonly hiwat: number,
  ) {}

  /** `ssb_space`: hiwat − cc (may be negative only if a caller overfilled it; asserted not). */
  get space(): number {
    return this.hiwat - this.cc;
  }

  /** `ssb_appendstream`: take ownership of `data`. */
  append(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.cc += data.length;
  }

  /** `m_copydata(so_snd, off, len)`: the bytes [off, off + len) without consuming them. */
  copy(off: number, len: number): Uint8Array {
    assert(off >= 0 && len >= 0 && off + len <= this.cc,
        `StreamBuf.copy: [${off}, +${len}) of ${this.cc}`);
    if (len === 0) return EMPTY;
    let i = this.head;
    let at = off + this.headOff;
    while (at >= this.chunks[i]!.length) {
      at -= this.chunks[i]!.length;
      i++;
    }
    const first = this.chunks[i]!;
    if (at + len <= first.length) return first.subarray(at, at + len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const c = this.chunks[i++]!;
      const n = Math.min(c.length - at, len - done);
      out.set(c.subarray(at, at + n), done);
      done += n;
      at = 0;
    }
    return out;
  }

  /** `sbdrop`: discard `n` bytes from the head. */
  drop(n: number): void {
    assert(n >= 0 && n <= this.cc, `StreamBuf.drop: ${n} of ${this.cc}`);
    this.cc -= n;
    while (n > 0) {
      const c = this.chunks[this.head]!;
      const left = c.length - this.headOff;
      if (n < left) {
        this.headOff += n;
        return;
      }
      n -= left;
      this.head++;
      this.headOff = 0;
    }
    this.compact();
  }

  /** The reader's dequeue: up to `max` bytes from the head, removed. */
  take(max: number): Uint8Array {
    const n = Math.min(max, this.cc);
    // copy() allocates when the bytes span chunks, else it returns a view to copy once here.
    const first = this.chunks[this.head];
    const view = first !== undefined && this.headOff + n <= first.length;
    const out = view ? this.copy(0, n).slice() : this.copy(0, n);
    this.drop(n);
    return out;
  }

  /** `sbflush`: discard everything. */
  flush(): void {
    this.chunks = [];
    this.head = 0;
    this.headOff = 0;
    this.cc = 0;
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
