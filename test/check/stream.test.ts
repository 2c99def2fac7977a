/**
 * TCP stream integrity (ARCHITECTURE §1, §6.5). Method: call-event traces of one or two
 * connections written by hand (the checker reads nothing else). A clean exchange passes; each bad
 * variant corrupts, repeats, skips, invents or cuts short the bytes of one direction.
 */
import { describe, expect, it } from 'vitest';
import { checkStreamIntegrity } from '../../src/check/stream';
import type { Endpoint } from '../../src/core/addr';
import { port } from '../../src/core/addr';
import { fd } from '../../src/core/ids';
import type { Fd } from '../../src/core/ids';
import { err, ok } from '../../src/core/result';
import type { CallRequest, CallResult } from '../../src/core/socket';
import { TraceBuilder, ep, seqBytes } from './builders';
import { expectFailure, expectPass } from './expect';

const NONE: CallResult = ok({ kind: 'none' });
const A = seqBytes(100);
const B = seqBytes(30, 200);

class Script {
  readonly b = new TraceBuilder([{ ncpus: 2 }, { ncpus: 2 }]);

  do(host: number, req: CallRequest, result: CallResult): void {
    const call = this.b.call(host, req, { app: host });
    this.b.complete(host, call.id, result);
  }

  socket(host: number, f: number): void {
    this.do(host, { op: 'socket', proto: 'tcp' }, ok({ kind: 'fd', fd: fd(f) }));
  }

  listen(host: number, f: number, p: number): void {
    this.socket(host, f);
    this.do(host, { op: 'bind', fd: fd(f), port: port(p) }, NONE);
    this.do(host, { op: 'listen', fd: fd(f), backlog: 5 }, NONE);
  }

  connect(host: number, f: number, remote: Endpoint): void {
    this.socket(host, f);
    this.do(host, { op: 'connect', fd: fd(f), remote, nonblocking: false }, NONE);
  }

  accept(host: number, listener: number, f: number, remote: Endpoint): void {
    this.do(
      host,
      { op: 'accept', fd: fd(listener), nonblocking: false },
      ok({ kind: 'accepted', fd: fd(f), remote }),
    );
  }

  send(host: number, f: number, data: Uint8Array): void {
    this.do(
      host,
      { op: 'send', fd: fd(f), data, nonblocking: false },
      ok({ kind: 'sent', bytes: data.length }),
    );
  }

  recv(host: number, f: number, data: Uint8Array): void {
    this.do(
      host,
      { op: 'recv', fd: fd(f), maxBytes: 1000, nonblocking: false },
      ok({ kind: 'data', data }),
    );
  }

  op(host: number, op: 'shutdown' | 'close' | 'abort', f: Fd | number): void {
    this.do(host, { op, fd: fd(f) }, NONE);
  }
}

/** Host 0 connects to host 1 port 80 and sends A; host 1 answers B; both shut down cleanly. */
function exchange(
  serverReads: (s: Script) => void = (s) => {
    s.recv(1, 4, A.subarray(0, 60));
    s.recv(1, 4, A.subarray(60));
  },
): Script {
  const s = new Script();
  s.listen(1, 3, 80);
  s.connect(0, 3, ep(1, 80));
  s.accept(1, 3, 4, ep(0, 49152));
  s.send(0, 3, A);
  serverReads(s);
  s.send(1, 4, B);
  s.recv(0, 3, B);
  s.op(0, 'shutdown', 3);
  s.recv(1, 4, new Uint8Array(0));
  s.op(1, 'close', 4);
  s.recv(0, 3, new Uint8Array(0));
  return s;
}

describe('TCP stream integrity', () => {
  it('accepts both directions delivered once, in order, up to a clean end of stream', () => {
    expectPass(checkStreamIntegrity(exchange().b.run()));
  });

  it('reports a corrupted byte, naming the recv that returned it', () => {
    const bad = A.slice(60);
    bad[5] ^= 1;
    const s = exchange((x) => {
      x.recv(1, 4, A.subarray(0, 60));
      x.recv(1, 4, bad);
    });
    const f = expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-corrupted');
    expect(f.message).toMatch(
      new RegExp(
        String.raw`^10\.0\.0\.1:49152 \(host 0 fd 3\) → 10\.0\.0\.2:80 \(host 1 fd 4\): ` +
          String.raw`stream byte 65, received by call \d+, differs from what was sent$`,
      ),
    );
  });

  it('reports bytes delivered twice (a retransmission handed up again)', () => {
    const s = exchange((x) => {
      x.recv(1, 4, A.subarray(0, 60));
      x.recv(1, 4, A.subarray(40));
    });
    expect(expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-duplicated').message).toContain(
      'repeats stream byte 40',
    );
  });

  it('reports a hole: bytes skipped', () => {
    const s = exchange((x) => {
      x.recv(1, 4, A.subarray(0, 60));
      x.recv(1, 4, A.subarray(80));
    });
    expect(expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-gap').message).toContain(
      'skips ahead to stream byte 80',
    );
  });

  it('reports more bytes received than sent', () => {
    const s = exchange((x) => {
      x.recv(1, 4, A);
      x.recv(1, 4, A.subarray(0, 10));
    });
    expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-extra-bytes');
  });

  it('reports an end of stream before every byte arrived, unless the connection broke', () => {
    const s = exchange((x) => x.recv(1, 4, A.subarray(0, 60)));
    expect(expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-premature-eof').message).toContain(
      'end of stream after 60 of 100 bytes sent',
    );
    const reset = exchange((x) => {
      x.recv(1, 4, A.subarray(0, 60));
      x.do(1, { op: 'recv', fd: fd(4), maxBytes: 10, nonblocking: false }, err('ECONNRESET'));
    });
    expectPass(checkStreamIntegrity(reset.b.run()));
  });

  it('reports an end of stream the sender never asked for, and data after it', () => {
    const s = new Script();
    s.listen(1, 3, 80);
    s.connect(0, 3, ep(1, 80));
    s.accept(1, 3, 4, ep(0, 49152));
    s.recv(1, 4, new Uint8Array(0));
    expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-eof-without-fin');
    const t = new Script();
    t.listen(1, 3, 80);
    t.connect(0, 3, ep(1, 80));
    t.accept(1, 3, 4, ep(0, 49152));
    t.send(0, 3, A);
    t.op(0, 'shutdown', 3);
    t.recv(1, 4, A);
    t.recv(1, 4, new Uint8Array(0));
    expectPass(checkStreamIntegrity(t.b.run()));
    t.recv(1, 4, A.subarray(0, 10));
    expectFailure(checkStreamIntegrity(t.b.run()), 'tcp-data-after-eof');
  });

  it('reports a reader left waiting in a quiescent run for bytes that were sent', () => {
    const s = new Script();
    s.listen(1, 3, 80);
    s.connect(0, 3, ep(1, 80));
    s.accept(1, 3, 4, ep(0, 49152));
    s.send(0, 3, A);
    s.recv(1, 4, A.subarray(0, 60));
    s.b.call(1, { op: 'recv', fd: fd(4), maxBytes: 1000, nonblocking: false }, { app: 1 });
    expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-lost');
    expectPass(
      checkStreamIntegrity(s.b.run({ kind: 'time-bound', pending: ['app 1 blocked in recv'] })),
    );
  });

  it('pairs two clients of one server by their bytes when the calls cannot tell them apart', () => {
    const s = new Script();
    s.listen(1, 3, 80);
    s.connect(0, 3, ep(1, 80));
    s.connect(0, 4, ep(1, 80));
    // The second client's connection is accepted first.
    s.accept(1, 3, 5, ep(0, 49153));
    s.accept(1, 3, 6, ep(0, 49152));
    s.send(0, 3, A);
    s.send(0, 4, B);
    s.recv(1, 5, B);
    s.recv(1, 6, A);
    expectPass(checkStreamIntegrity(s.b.run()));
    s.recv(1, 6, B);
    expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-extra-bytes');
  });

  it('reports an accepted connection that no client opened', () => {
    const s = new Script();
    s.listen(1, 3, 80);
    s.accept(1, 3, 4, ep(0, 49152));
    const f = expectFailure(checkStreamIntegrity(s.b.run()), 'tcp-unpaired-accept');
    expect(f.message).toBe(
      'host 1: accept returned fd 4 from 10.0.0.1:49152, a connection no client opened',
    );
  });
});
