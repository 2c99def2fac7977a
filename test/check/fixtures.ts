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
  const send = impl.call({ op: 'send', fd: fd(3), data: seqBytes(20, 100), to: ep(1, 9), nonblocking: false });
  const close = impl.call({ op: 'close', fd: fd(3) });
  return { run: b.run(), b, socket, bind, recv, send, close, inbound };
}

export const isCommitOf = (call: AppCall) => (e: TraceEvent): boolean =>
  e.kind === 'commit' && e.input.kind === 'call' && e.input.call === call.id;

export const isCompletionOf = (call: AppCall) => (e: TraceEvent): boolean =>
  e.kind === 'call-completed' && e.call === call.id;

/** The frame-sent event of the first frame a call's commit transmitted. */
export function frameOf(run: RunRecord, call: AppCall): Extract<TraceEvent, { kind: 'frame-sent' }> {
  const c = run.trace.find(isCommitOf(call));
  if (c === undefined || c.kind !== 'commit' || c.frames.length === 0) throw new Error('no frame');
  const f = run.trace.find((e) => e.kind === 'frame-sent' && e.frame === c.frames[0]);
  return f as Extract<TraceEvent, { kind: 'frame-sent' }>;
}
