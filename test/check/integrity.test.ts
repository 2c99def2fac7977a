/**
 * UDP datagram integrity (ARCHITECTURE §6.5, UDP-14, UP-7 … UP-12). Method: a two-host flow in
 * which both hosts behave as the model passes, and so do its legitimate variations (truncation,
 * a duplicate made by the link, a full-buffer drop); each bad variant corrupts, duplicates,
 * invents or loses one datagram and must fail with its kind.
 */
import { describe, expect, it } from 'vitest';
import { checkUdpIntegrity } from '../../src/check/integrity';
import { deliveryId, frameId, hostId } from '../../src/core/ids';
import { err, ok } from '../../src/core/result';
import type { TraceEvent } from '../../src/core/trace';
import { changeEvents, dropEvents, ep, insertAfter, seqBytes, udpFrame } from './builders';
import { expectFailure, expectPass } from './expect';
import { isCompletionOf, udpFlow } from './fixtures';

const dataResult = (data: Uint8Array, from = ep(0, 49152)) =>
  ok({ kind: 'data' as const, data, from });
const withResult =
  (result: ReturnType<typeof dataResult> | ReturnType<typeof err>) => (e: TraceEvent) =>
    ({ ...e, result }) as TraceEvent;

describe('UDP integrity', () => {
  it('accepts datagrams received once each, unmodified, from their sender', () => {
    expectPass(checkUdpIntegrity(udpFlow().run));
  });

  it('accepts a datagram truncated to the recv maximum (UP-9), and nothing shorter', () => {
    const x = udpFlow({ maxBytes: 5 });
    expectPass(checkUdpIntegrity(x.run));
    const run = changeEvents(
      x.run,
      isCompletionOf(x.recvs[0]),
      withResult(dataResult(seqBytes(4))),
    );
    expectFailure(checkUdpIntegrity(run), 'udp-corrupted');
  });

  it('reports a payload corrupted between send and recv', () => {
    const x = udpFlow();
    const bad = seqBytes(10);
    bad[3] = 0xee;
    const run = changeEvents(x.run, isCompletionOf(x.recvs[0]), withResult(dataResult(bad)));
    const f = expectFailure(checkUdpIntegrity(run), 'udp-corrupted');
    expect(f.message).toContain('closest is frame 0 (differs at byte 3 of 10)');
    expect(f.details).toContain(
      'received [ee 04 05 06 07 08 09] at byte 3; sent [03 04 05 06 07 08 09]',
    );
  });

  it('reports a datagram received twice when the link delivered it once', () => {
    const x = udpFlow();
    const run = changeEvents(
      x.run,
      isCompletionOf(x.recvs[1]),
      withResult(dataResult(seqBytes(10))),
    );
    const f = expectFailure(checkUdpIntegrity(run), 'udp-duplicated');
    expect(f.message).toContain(
      `already returned by call ${x.recvs[0].id}; the link delivered it 1 time(s)`,
    );
  });

  it('accepts a datagram received twice when the link duplicated it (UDP-14)', () => {
    const x = udpFlow();
    const firstDelivery = x.run.trace.find((e) => e.kind === 'frame-delivered')!;
    let run = changeEvents(
      x.run,
      (e) => e.kind === 'frame-fate' && e.frame === frameId(0),
      (e) => ({ ...e, fate: 'duplicate' }) as TraceEvent,
    );
    run = insertAfter(run, firstDelivery.seq, [
      { kind: 'frame-delivered', host: hostId(1), frame: frameId(0), delivery: deliveryId(77) },
    ]);
    run = changeEvents(run, isCompletionOf(x.recvs[1]), withResult(dataResult(seqBytes(10))));
    const v = checkUdpIntegrity(run);
    // The second datagram (B) was then never received, which is not this check's business on a
    // run with faults; the duplicate itself is legitimate.
    expectPass(v);
  });

  it('reports data that no datagram from the claimed source carried', () => {
    const x = udpFlow();
    const run = changeEvents(
      x.run,
      isCompletionOf(x.recvs[0]),
      withResult(dataResult(seqBytes(10), ep(0, 1234))),
    );
    expectFailure(checkUdpIntegrity(run), 'udp-invented');
  });

  it('reports a datagram on the wire that no send carried', () => {
    const x = udpFlow();
    const run = insertAfter(x.run, 3, [
      {
        kind: 'frame-sent',
        host: hostId(0),
        frame: frameId(99),
        bytes: udpFrame(ep(0, 49152), ep(1, 7), seqBytes(3)),
      },
    ]);
    const f = expectFailure(checkUdpIntegrity(run), 'udp-unsent-datagram');
    expect(f.message).toBe(
      'host 0 transmitted a datagram (frame 99) that no successful send of the host carried',
    );
  });

  it('reports a successful send that never left the host', () => {
    const x = udpFlow();
    // Host 0's second datagram vanishes before the wire, with everything downstream of it.
    let run = dropEvents(
      x.run,
      (e) =>
        (e.kind === 'frame-sent' || e.kind === 'frame-fate' || e.kind === 'frame-delivered') &&
        e.frame === frameId(1),
    );
    run = dropEvents(
      run,
      (e) => e.kind === 'commit' && e.input.kind === 'frame' && e.input.delivery === 1,
    );
    run = dropEvents(run, isCompletionOf(x.recvs[1]));
    const f = expectFailure(checkUdpIntegrity(run), 'udp-send-lost');
    expect(f.message).toBe(
      `host 0: call ${x.sends[1].id} sent 12 bytes, but no datagram with them ever left the host`,
    );
  });

  it('reports, on a lossless run, a recv that finds nothing while a datagram is queued', () => {
    const x = udpFlow();
    const run = changeEvents(x.run, isCompletionOf(x.recvs[1]), withResult(err('EWOULDBLOCK')));
    const f = expectFailure(checkUdpIntegrity(run), 'udp-lost');
    expect(f.message).toBe(
      `host 1: recv call ${x.recvs[1].id} found nothing (EWOULDBLOCK) while 1 datagram(s) ` +
        `delivered to fd 3 were queued, on a run without faults`,
    );
  });

  it('reports, on a lossless run, a blocking recv left waiting with a datagram queued', () => {
    const x = udpFlow();
    const run = dropEvents(x.run, isCompletionOf(x.recvs[1]));
    expect(expectFailure(checkUdpIntegrity(run), 'udp-lost').message).toContain(
      'still waits at the end of the run',
    );
  });

  it('makes no lossless claim on a run with a fault, or after a full-buffer drop (UP-12)', () => {
    const x = udpFlow();
    const lost = changeEvents(x.run, isCompletionOf(x.recvs[1]), withResult(err('EWOULDBLOCK')));
    expectPass(
      checkUdpIntegrity(
        insertAfter(lost, 0, [
          { kind: 'frame-fate', frame: frameId(50), fate: 'drop', delayUs: 0 },
        ]),
      ),
    );
    // recvspace 50 holds the 10-byte datagram (10 + 16) but not the 12-byte one as well: the
    // model drops it (udps_fullsock) and the second nonblocking recv finds nothing.
    const full = udpFlow({ recvspace: 50, batch: true });
    const second = full.run.trace.find(isCompletionOf(full.recvs[1]));
    expect(second?.kind === 'call-completed' && !second.result.ok && second.result.error).toBe(
      'EWOULDBLOCK',
    );
    expectPass(checkUdpIntegrity(full.run));
    // With room for both, the same EWOULDBLOCK is a lost datagram.
    const roomy = udpFlow({ batch: true });
    expectPass(checkUdpIntegrity(roomy.run));
    const run = changeEvents(
      roomy.run,
      isCompletionOf(roomy.recvs[1]),
      withResult(err('EWOULDBLOCK')),
    );
    expectFailure(checkUdpIntegrity(run), 'udp-lost');
  });
});
