/**
 * Refinement (ARCHITECTURE §6.1). Method: a reference trace in which the impl host behaves
 * exactly as the model (fixtures.ts) passes; each known-bad variant changes one observable thing
 * — one header field, one frame too many or too few, one call result, one completion that only
 * one side made, one frame that no linearized input explains — and must fail with its kind.
 */
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/core/result';
import { callId, cpuId, fd, frameId, hostId, threadId } from '../../src/core/ids';
import { checkRefinement } from '../../src/check/refinement';
import type { TraceEvent } from '../../src/core/trace';
import { changeEvents, dropEvents, ep, insertAfter, seqBytes, udpFrame } from './builders';
import { expectFailure, expectPass } from './expect';
import { frameOf, isCommitOf, isCompletionOf, udpExchange } from './fixtures';

describe('refinement', () => {
  it('accepts an impl host that does exactly what the model does', () => {
    expectPass(checkRefinement(udpExchange().run));
    expectPass(checkRefinement(udpExchange({ ncpus: 4 }).run));
  });

  it('reports an impl frame that differs from the model in one header field', () => {
    const x = udpExchange();
    const sent = frameOf(x.run, x.send);
    const wrong = udpFrame(ep(0, 7), ep(1, 10), seqBytes(20, 100)); // dst port 10, not 9
    const run = changeEvents(
      x.run,
      (e) => e === sent,
      (e) => ({ ...e, bytes: wrong }) as TraceEvent,
    );
    const f = expectFailure(checkRefinement(run), 'frame-differs');
    expect(f.message).toContain('udp.dstPort: 10 ≠ 9');
    expect(f.atSeq).toBe(sent.seq);
    expect(f.details!.join('\n')).toContain('impl : 10.0.0.1.7 > 10.0.0.2.10: UDP, length 20');
    expect(f.details!.join('\n')).toContain('model: 10.0.0.1.7 > 10.0.0.2.9: UDP, length 20');
  });

  it('reports a payload byte the impl changed', () => {
    const x = udpExchange();
    const sent = frameOf(x.run, x.send);
    const payload = seqBytes(20, 100);
    payload[5] ^= 0xff;
    const wrong = udpFrame(ep(0, 7), ep(1, 9), payload);
    const run = changeEvents(
      x.run,
      (e) => e === sent,
      (e) => ({ ...e, bytes: wrong }) as TraceEvent,
    );
    expect(expectFailure(checkRefinement(run), 'frame-differs').message).toContain(
      'udp.payload byte 5',
    );
  });

  it('reports a frame the impl transmitted twice for one send', () => {
    const x = udpExchange();
    const sent = frameOf(x.run, x.send);
    const dup = frameId(900);
    const run = insertAfter(x.run, sent.seq, [
      { kind: 'frame-sent', host: hostId(0), frame: dup, bytes: sent.bytes },
      {
        kind: 'commit',
        host: hostId(0),
        cpu: cpuId(0),
        thread: threadId(100),
        txn: 900,
        input: { kind: 'call', call: x.send.id, phase: 'user' },
        linearizes: false,
        frames: [dup],
        completions: [],
      },
    ]);
    const f = expectFailure(checkRefinement(run), 'extra-frame');
    expect(f.message).toContain('the impl transmitted 2 frame(s), the model 1');
  });

  it('reports a frame the model sent and the impl did not', () => {
    const x = udpExchange();
    const sent = frameOf(x.run, x.send);
    let run = dropEvents(x.run, (e) => e === sent);
    run = changeEvents(run, isCommitOf(x.send), (e) => ({ ...e, frames: [] }) as TraceEvent);
    expectFailure(checkRefinement(run), 'missing-frame');
  });

  it('reports a call result that differs from the model', () => {
    const x = udpExchange();
    const run = changeEvents(
      x.run,
      isCompletionOf(x.bind),
      (e) => ({ ...e, result: err('EADDRINUSE') }) as TraceEvent,
    );
    const f = expectFailure(checkRefinement(run), 'result-differs');
    expect(f.message).toBe(
      `host 0: call ${x.bind.id} result differs from the model's: EADDRINUSE ≠ ok`,
    );
    expect(f.details).toContain(`call: call ${x.bind.id} (app 0, CPU 0): bind(fd 3, port 7)`);
  });

  it('reports received data that differs from what the model returns', () => {
    const x = udpExchange();
    const bad = seqBytes(10);
    bad[9] = 0;
    const run = changeEvents(
      x.run,
      isCompletionOf(x.recv),
      (e) =>
        ({
          ...e,
          result: ok({ kind: 'data', data: bad, from: ep(1, 5000) }),
        }) as TraceEvent,
    );
    expect(expectFailure(checkRefinement(run), 'result-differs').message).toContain('data byte 9');
  });

  it('reports a call the impl completed that the model never saw linearize', () => {
    const x = udpExchange();
    const run = insertAfter(x.run, x.run.trace.length - 1, [
      {
        kind: 'call-issued',
        host: hostId(0),
        call: {
          id: callId(50),
          app: 0,
          cpu: cpuId(0),
          req: { op: 'recv', fd: fd(3), maxBytes: 10, nonblocking: true },
        },
      },
      { kind: 'call-completed', host: hostId(0), call: callId(50), result: err('EBADF') },
    ]);
    const f = expectFailure(checkRefinement(run), 'impl-completed-model-pending');
    expect(f.message).toContain('never linearized');
  });

  it('reports a call the model completed that the impl left pending', () => {
    const x = udpExchange();
    const run = dropEvents(x.run, isCompletionOf(x.socket));
    expectFailure(checkRefinement(run), 'model-completed-impl-pending');
  });

  it('reports frames of an input that never linearized', () => {
    const x = udpExchange();
    const last = x.run.trace.length - 1;
    const frame = udpFrame(ep(0, 7), ep(1, 9), seqBytes(4));
    const run = insertAfter(x.run, last, [
      {
        kind: 'call-issued',
        host: hostId(0),
        call: {
          id: callId(60),
          app: 0,
          cpu: cpuId(0),
          req: { op: 'send', fd: fd(3), data: seqBytes(4), nonblocking: false },
        },
      },
      { kind: 'frame-sent', host: hostId(0), frame: frameId(901), bytes: frame },
      {
        kind: 'commit',
        host: hostId(0),
        cpu: cpuId(0),
        thread: threadId(100),
        txn: 901,
        input: { kind: 'call', call: callId(60), phase: 'user' },
        linearizes: false,
        frames: [frameId(901)],
        completions: [],
      },
    ]);
    // Cut short by the step bound, so the call still pending is not itself a finding.
    const cut = { ...run, outcome: { kind: 'step-bound' as const, pending: [] } };
    expect(expectFailure(checkRefinement(cut), 'frames-without-input').message).toContain(
      'never linearized',
    );
    // Run to its end, the same call blocked for good is one the model would answer at once.
    expect(expectFailure(checkRefinement(run), 'impl-stuck').message).toBe(
      'host 0: call 60 is still blocked at the end of the run, but the model, given it last, ' +
        'completes it at once: EBADF',
    );
  });

  it('reports a frame the impl transmitted outside any commit', () => {
    const x = udpExchange();
    const run = insertAfter(x.run, 0, [
      {
        kind: 'frame-sent',
        host: hostId(0),
        frame: frameId(902),
        bytes: udpFrame(ep(0, 1), ep(1, 2), seqBytes(1)),
      },
    ]);
    expectFailure(checkRefinement(run), 'unattributed-frame');
  });

  it('reports a linearizing commit that names no input', () => {
    const x = udpExchange();
    const run = changeEvents(
      x.run,
      isCommitOf(x.close),
      (e) =>
        ({
          ...e,
          input: { kind: 'internal', what: 'oops' },
        }) as TraceEvent,
    );
    expectFailure(checkRefinement(run), 'internal-linearizes');
  });

  it('judges only impl hosts: a model host with the same trace is not replayed', () => {
    const x = udpExchange();
    const run = changeEvents(
      x.run,
      isCompletionOf(x.bind),
      (e) => ({ ...e, result: err('EADDRINUSE') }) as TraceEvent,
    );
    const asModel = {
      ...run,
      hosts: run.hosts.map((h) => ({ ...h, config: { ...h.config, stack: 'model' as const } })),
    };
    expectPass(checkRefinement(asModel));
  });

  it('replays in linearization order, not call order', () => {
    // The bind linearizes before the socket call's commit would allow: the model then sees
    // bind on an unknown descriptor (EBADF) while the impl said ok.
    const x = udpExchange();
    const socketCommit = x.run.trace.find(isCommitOf(x.socket))!;
    const bindCommit = x.run.trace.find(isCommitOf(x.bind))!;
    const trace = x.run.trace.map((e) =>
      e === socketCommit ? bindCommit : e === bindCommit ? socketCommit : e,
    );
    const f = expectFailure(checkRefinement({ ...x.run, trace }), 'result-differs');
    expect(f.message).toContain('ok ≠ EBADF');
  });
});
