/**
 * Netisr conformance (ARCHITECTURE §6.2, UP-13 … UP-16). Method: the reference trace of a
 * correct impl host passes; each known-bad trace breaks one rule of the protocol-thread model —
 * an input linearized on the wrong CPU or thread, an input never linearized or linearized twice,
 * a port that is not FIFO, a message chased around the ports forever or lost.
 */
import { describe, expect, it } from 'vitest';
import { checkNetisr } from '../../src/check/netisr';
import { hostAddr } from '../../src/core/addr';
import { callId, cpuId, threadId } from '../../src/core/ids';
import { udpFlowCpu } from '../../src/core/toeplitz';
import type { TraceEvent } from '../../src/core/trace';
import {
  PerfectImpl,
  TraceBuilder,
  changeEvents,
  dropEvents,
  ep,
  insertAfter,
  seqBytes,
  udpFrame,
} from './builders';
import { expectFailure, expectPass } from './expect';
import { isCommitOf, isCompletionOf, udpExchange } from './fixtures';

const inboundCommit =
  (delivery: number) =>
  (e: TraceEvent): boolean =>
    e.kind === 'commit' && e.input.kind === 'frame' && e.input.delivery === delivery;

describe('netisr conformance', () => {
  it('accepts inputs linearized once each, where the netisr model says, in port order', () => {
    expectPass(checkNetisr(udpExchange().run));
    expectPass(checkNetisr(udpExchange({ ncpus: 4 }).run));
  });

  it('reports a datagram linearized on a CPU other than its flow CPU (UP-13)', () => {
    const b = new TraceBuilder([{ ncpus: 2 }, { stack: 'model', ncpus: 1 }]);
    const impl = new PerfectImpl(b, 0);
    const flow = udpFlowCpu(hostAddr(1), hostAddr(0), 2);
    const wrong = 1 - flow;
    impl.receive(1, udpFrame(ep(1, 5000), ep(0, 7), seqBytes(8)), { cpu: wrong });
    const f = expectFailure(checkNetisr(b.run()), 'wrong-cpu');
    expect(f.message).toBe(
      `host 0: frame delivery 0 linearized on CPU ${wrong}; the netisr model says CPU ${flow}`,
    );
    expect(f.details![0]).toBe('10.0.0.2.5000 > 10.0.0.1.7: UDP, length 8');
  });

  it('reports a user-side call (recv, UP-15) linearized by a protocol thread', () => {
    const x = udpExchange();
    const run = changeEvents(
      x.run,
      isCommitOf(x.recv),
      (e) =>
        ({
          ...e,
          input: { kind: 'call', call: x.recv.id, phase: 'proto' },
          thread: threadId(0),
        }) as TraceEvent,
    );
    const f = expectFailure(checkNetisr(run), 'wrong-thread');
    expect(f.message).toContain(
      "linearized by a protocol thread; the model says the caller's user side",
    );
  });

  it('reports a user-side call linearized on another CPU than the caller', () => {
    const x = udpExchange();
    const run = changeEvents(
      x.run,
      isCommitOf(x.recv),
      (e) => ({ ...e, cpu: cpuId(1) }) as TraceEvent,
    );
    expect(expectFailure(checkNetisr(run), 'wrong-cpu').message).toContain(
      'the caller runs on CPU 0',
    );
  });

  it('reports a delivered frame that was never linearized (a message dropped from a port)', () => {
    const x = udpExchange();
    const run = dropEvents(x.run, inboundCommit(x.inbound));
    const f = expectFailure(checkNetisr(run), 'input-lost');
    expect(f.message).toBe(
      'host 0: frame delivery 0 (frame 0) was never linearized in a quiescent run',
    );
    expect(f.details!.join('\n')).toMatch(/message \d+ queued on port \d by thread 99/);
    expect(f.details!.join('\n')).toContain('[message-lost]');
  });

  it('does not call an unhandled input lost when the run was cut short', () => {
    const x = udpExchange();
    const run = {
      ...dropEvents(x.run, inboundCommit(x.inbound)),
      outcome: { kind: 'time-bound' as const, pending: [] },
    };
    expectPass(checkNetisr(run));
  });

  it('reports a call that completed although its message was never handled', () => {
    const x = udpExchange();
    const run = dropEvents(x.run, isCommitOf(x.close));
    const f = expectFailure(checkNetisr(run), 'message-lost');
    expect(f.message).toMatch(
      /\(call \d+ \(proto side\)\) queued on port \d by thread 100 was never handled/,
    );
    expect(f.details!.join('\n')).toContain(
      `[input-lost] @${x.run.trace.find(isCompletionOf(x.close))!.seq} host 0: call ` +
        `${x.close.id} completed but never linearized`,
    );
  });

  it('reports an input linearized twice', () => {
    const x = udpExchange();
    const c = x.run.trace.find(inboundCommit(x.inbound))!;
    const { msg: _handled, ...again } = c as Extract<TraceEvent, { kind: 'commit' }>;
    const run = insertAfter(x.run, c.seq, [{ ...again, txn: 999 } as TraceEvent]);
    expectFailure(checkNetisr(run), 'handled-twice');
  });

  it('reports two messages of one sender handled out of order on a port (UP-16)', () => {
    const b = new TraceBuilder([{ ncpus: 2 }, { stack: 'model', ncpus: 1 }]);
    const impl = new PerfectImpl(b, 0);
    impl.receive(1, udpFrame(ep(1, 5000), ep(0, 7), seqBytes(8)));
    impl.receive(1, udpFrame(ep(1, 5000), ep(0, 7), seqBytes(8, 1)));
    const run = b.run();
    // Queue both messages before either is handled, then handle the second one first.
    const sends = run.trace.filter((e) => e.kind === 'msg-sent');
    const commits = run.trace.filter((e) => e.kind === 'commit');
    const rest = run.trace.filter((e) => e.kind !== 'msg-sent' && e.kind !== 'commit');
    const trace = [...rest, sends[0]!, sends[1]!, commits[1]!, commits[0]!];
    expect(expectFailure(checkNetisr({ ...run, trace }), 'port-fifo').message).toMatch(
      /before message/,
    );
  });

  it('reports a message chased around the ports more than ncpus times (D.1)', () => {
    const b = new TraceBuilder([{ ncpus: 2 }]);
    const input = { kind: 'internal', what: 'chase' } as const;
    const m = b.newMsg();
    b.msgSent(0, m, 0, 100, input);
    for (let hop = 1; hop <= 3; hop++) {
      const here = (hop + 1) % 2;
      b.msgSent(0, m, hop % 2, here, input);
      b.commit(0, { cpu: here, thread: here, input, linearizes: false, msg: m });
    }
    b.commit(0, { cpu: 1, thread: 1, input, linearizes: false, msg: m });
    const f = expectFailure(checkNetisr(b.run()), 'forward-unbounded');
    expect(f.details![0]).toBe('ports visited: 0 → 1 → 0 → 1');
  });

  it('accepts a message forwarded once (port chasing after a socket moved)', () => {
    const b = new TraceBuilder([{ ncpus: 2 }]);
    const input = { kind: 'internal', what: 'chase' } as const;
    const m = b.newMsg();
    b.msgSent(0, m, 0, 100, input);
    b.msgSent(0, m, 1, 0, input);
    b.commit(0, { cpu: 0, thread: 0, input, linearizes: false, msg: m });
    b.commit(0, { cpu: 1, thread: 1, input, linearizes: false, msg: m });
    expectPass(checkNetisr(b.run()));
  });

  it('reports a queued message never handled in a quiescent run, but not a timer message', () => {
    const b = new TraceBuilder([{ ncpus: 2 }]);
    b.msgSent(0, b.newMsg(), 1, 100, { kind: 'timer', conn: 'c', timer: 'rexmt' });
    expectPass(checkNetisr(b.run()));
    b.msgSent(0, b.newMsg(), 1, 100, { kind: 'internal', what: 'sync' });
    expect(expectFailure(checkNetisr(b.run()), 'message-lost').message).toContain('never handled');
  });

  it('reports a commit that names a call never issued on its host', () => {
    const b = new TraceBuilder([{ ncpus: 2 }]);
    b.commit(0, {
      cpu: 0,
      thread: 100,
      input: { kind: 'call', call: callId(42), phase: 'user' },
      linearizes: true,
    });
    expectFailure(checkNetisr(b.run()), 'unknown-input');
  });
});
