/**
 * Reference traces shared by the checker tests, each produced by `PerfectImpl` so that every
 * checker accepts it unchanged. Tests break one thing at a time and expect the failure.
 */
import { port } from '../../src/core/addr';
import type { AppCall } from '../../src/core/socket';
import { fd } from '../../src/core/ids';
import type { DeliveryId } from '../../src/core/ids';
import type { RunRecord } from '../../src/core/run';
import type { TraceEvent } from '../../src/core/trace';
import { PerfectImpl, TraceBuilder, ep, seqBytes, udpFrame } from './builders';

export interface UdpExchange {
  readonly run: RunRecord;
  readonly b: TraceBuilder;
  readonly socket: AppCall;
  readonly bind: AppCall;
  readonly recv: AppCall;
  readonly send: AppCall;
  readonly close: AppCall;
  /** The datagram host 1 sent to host 0's port 7. */
  readonly inbound: DeliveryId;
}

/**
 * Impl host 0 (2 CPUs) opens a UDP socket, binds port 7 and blocks in recv; a datagram from
 * 10.0.0.2:5000 arrives and completes the recv; host 0 answers with a send to 10.0.0.2:9 and
 * closes. Host 1 is a model peer whose own commits are not part of the trace.
 */
export function udpExchange(opts: { ncpus?: number } = {}): UdpExchange {
  const b = new TraceBuilder([{ ncpus: opts.ncpus ?? 2 }, { stack: 'model', ncpus: 1 }]);
  const impl = new PerfectImpl(b, 0);
  const socket = impl.call({ op: 'socket', proto: 'udp' });
  const bind = impl.call({ op: 'bind', fd: fd(3), port: port(7) });
  const recv = impl.call({ op: 'recv', fd: fd(3), maxBytes: 2048, nonblocking: false });
  b.at(200);
  const inbound = impl.receive(1, udpFrame(ep(1, 5000), ep(0, 7), seqBytes(10)));
  b.at(300);
  const send = impl.call({
    op: 'send',
    fd: fd(3),
    data: seqBytes(20, 100),
    to: ep(1, 9),
    nonblocking: false,
  });
  const close = impl.call({ op: 'close', fd: fd(3) });
  return { run: b.run(), b, socket, bind, recv, send, close, inbound };
}

export const isCommitOf =
  (call: AppCall) =>
  (e: TraceEvent): boolean =>
    e.kind === 'commit' && e.input.kind === 'call' && e.input.call === call.id;

export const isCompletionOf =
  (call: AppCall) =>
  (e: TraceEvent): boolean =>
    e.kind === 'call-completed' && e.call === call.id;

/** The frame-sent event of the first frame a call's commit transmitted. */
export function frameOf(
  run: RunRecord,
  call: AppCall,
): Extract<TraceEvent, { kind: 'frame-sent' }> {
  const c = run.trace.find(isCommitOf(call));
  if (c === undefined || c.kind !== 'commit' || c.frames.length === 0) throw new Error('no frame');
  const f = run.trace.find((e) => e.kind === 'frame-sent' && e.frame === c.frames[0]);
  return f as Extract<TraceEvent, { kind: 'frame-sent' }>;
}

export interface UdpFlow {
  readonly run: RunRecord;
  readonly b: TraceBuilder;
  readonly sender: PerfectImpl;
  readonly receiver: PerfectImpl;
  /** The two sends (A = seqBytes(10), B = seqBytes(12, 50)) and the recvs that got them. */
  readonly sends: readonly [AppCall, AppCall];
  readonly recvs: readonly [AppCall, AppCall];
}

/**
 * Host 0 sends two datagrams from an unconnected socket to host 1 port 7; host 1 receives each
 * with a blocking recv. Both hosts behave as the model; every frame is delivered once.
 */
export function udpFlow(
  opts: { recvspace?: number; maxBytes?: number; batch?: boolean } = {},
): UdpFlow {
  const b = new TraceBuilder([
    { ncpus: 2 },
    { ncpus: 2, udp: { recvspace: opts.recvspace ?? 42080 } },
  ]);
  const sender = new PerfectImpl(b, 0);
  const receiver = new PerfectImpl(b, 1);
  receiver.call({ op: 'socket', proto: 'udp' }, { app: 1 });
  receiver.call({ op: 'bind', fd: fd(3), port: port(7) }, { app: 1 });
  sender.call({ op: 'socket', proto: 'udp' });
  const transfer = (data: Uint8Array): [AppCall, AppCall] => {
    b.at(b.now + 100);
    const send = sender.call({ op: 'send', fd: fd(3), data, to: ep(1, 7), nonblocking: false });
    const frame = sender.lastFrames[0]!;
    b.fate(frame, 'deliver', 100);
    b.at(b.now + 100);
    receiver.deliver(frame);
    const recv = receiver.call(
      { op: 'recv', fd: fd(3), maxBytes: opts.maxBytes ?? 2048, nonblocking: false },
      { app: 1 },
    );
    return [send, recv];
  };
  if (opts.batch === true) {
    // Both datagrams are queued before the first recv: the receive buffer holds both at once.
    const s = [seqBytes(10), seqBytes(12, 50)].map((data) => {
      const send = sender.call({ op: 'send', fd: fd(3), data, to: ep(1, 7), nonblocking: false });
      b.fate(sender.lastFrames[0]!, 'deliver', 100);
      return { send, frame: sender.lastFrames[0]! };
    });
    b.at(b.now + 100);
    for (const { frame } of s) receiver.deliver(frame);
    const r = s.map(() =>
      receiver.call({ op: 'recv', fd: fd(3), maxBytes: 2048, nonblocking: true }, { app: 1 }),
    );
    return {
      run: b.run(),
      b,
      sender,
      receiver,
      sends: [s[0]!.send, s[1]!.send],
      recvs: [r[0]!, r[1]!],
    };
  }
  const [s1, r1] = transfer(seqBytes(10));
  const [s2, r2] = transfer(seqBytes(12, 50));
  return { run: b.run(), b, sender, receiver, sends: [s1, s2], recvs: [r1, r2] };
}
