import { formatEndpoint } from '../core/addr';
import { assertNever } from '../core/assert';
import { formatFrame } from '../core/format';
import type { FrameId } from '../core/ids';
import type { AppCall, CallRequest, CallResult } from '../core/socket';
import type { CommitInput, FrameFate, TraceEvent } from '../core/trace';

/**
 * How one trace event reads in a report: where it happened (host, CPU, thread — when the event
 * has them), a one-character glyph for its kind, and a one-line summary. trace.txt, the swimlane
 * and report.md all use these, so a line in one can be found in the others. The glyphs are
 * documented in docs/TESTING.md ("Reading trace.txt").
 */

export interface EventPlace {
  readonly host: number | null;
  readonly cpu: number | null;
  readonly thread: number | null;
}

/** Facts about frames gathered from the whole trace, so a fate line can name its sender. */
export interface FrameIndex {
  readonly senderOf: ReadonlyMap<FrameId, number>;
  readonly callCpu: ReadonlyMap<number, { readonly host: number; readonly cpu: number }>;
}

export function indexFrames(trace: readonly TraceEvent[]): FrameIndex {
  const senderOf = new Map<FrameId, number>();
  const callCpu = new Map<number, { host: number; cpu: number }>();
  for (const e of trace) {
    if (e.kind === 'frame-sent') senderOf.set(e.frame, e.host);
    if (e.kind === 'call-issued') callCpu.set(e.call.id, { host: e.host, cpu: e.call.cpu });
  }
  return { senderOf, callCpu };
}

const NOWHERE: EventPlace = { host: null, cpu: null, thread: null };

export function placeOf(e: TraceEvent, index: FrameIndex): EventPlace {
  switch (e.kind) {
    case 'phase':
      return NOWHERE;
    case 'frame-fate':
      return { ...NOWHERE, host: index.senderOf.get(e.frame) ?? null };
    case 'frame-sent':
    case 'frame-delivered':
    case 'object':
    case 'state':
    case 'note':
      return { ...NOWHERE, host: e.host };
    case 'call-issued':
      return { host: e.host, cpu: e.call.cpu, thread: null };
    case 'call-completed': {
      const issued = index.callCpu.get(e.call);
      return { host: e.host, cpu: issued?.cpu ?? null, thread: null };
    }
    case 'msg-sent':
      return { host: e.host, cpu: e.port, thread: e.sender };
    case 'commit':
    case 'access':
    case 'token':
      return { host: e.host, cpu: e.cpu, thread: e.thread };
    default:
      return assertNever(e, 'trace event');
  }
}

const LOST_FATES: readonly FrameFate[] = ['drop', 'partitioned', 'overflow'];
export const isLostFate = (fate: FrameFate): boolean => LOST_FATES.includes(fate);

/** One character per kind of event (docs/TESTING.md lists them). */
export function glyphOf(e: TraceEvent): string {
  switch (e.kind) {
    case 'phase': return '=';
    case 'frame-sent': return '>';
    case 'frame-fate': return isLostFate(e.fate) ? 'x' : '~';
    case 'frame-delivered': return '<';
    case 'call-issued': return '(';
    case 'call-completed': return ')';
    case 'msg-sent': return 'm';
    case 'commit': return e.linearizes ? '*' : '+';
    case 'object': return 'o';
    case 'access': return e.mode;
    case 'token': return e.op === 'acquire' ? 'T' : 't';
    case 'state': return 's';
    case 'note': return '#';
    default: return assertNever(e, 'trace event');
  }
}

export function describeRequest(req: CallRequest): string {
  switch (req.op) {
    case 'socket': return `socket(${req.proto})`;
    case 'bind': return `bind(fd ${req.fd}, port ${req.port})`;
    case 'connect': return `connect(fd ${req.fd}, ${formatEndpoint(req.remote)}${nb(req.nonblocking)})`;
    case 'listen': return `listen(fd ${req.fd}, backlog ${req.backlog})`;
    case 'accept': return `accept(fd ${req.fd}${nb(req.nonblocking)})`;
    case 'send': {
      const to = req.to === undefined ? '' : ` to ${formatEndpoint(req.to)}`;
      return `send(fd ${req.fd}, ${req.data.length} B${to}${nb(req.nonblocking)})`;
    }
    case 'recv': return `recv(fd ${req.fd}, max ${req.maxBytes} B${nb(req.nonblocking)})`;
    case 'shutdown':
    case 'close':
    case 'abort':
      return `${req.op}(fd ${req.fd})`;
    default:
      return assertNever(req, 'call request');
  }
}

const nb = (nonblocking: boolean): string => (nonblocking ? ', nonblocking' : '');

export function describeCall(call: AppCall): string {
  return `call ${call.id} app ${call.app}: ${describeRequest(call.req)}`;
}

export function describeResult(result: CallResult): string {
  if (!result.ok) return result.error;
  const v = result.value;
  switch (v.kind) {
    case 'none': return 'ok';
    case 'fd': return `fd ${v.fd}`;
    case 'accepted': return `fd ${v.fd} from ${formatEndpoint(v.remote)}`;
    case 'sent': return `sent ${v.bytes} B`;
    case 'data': return `${v.data.length} B${v.from === undefined ? '' : ` from ${formatEndpoint(v.from)}`}`;
    default: return assertNever(v, 'call value');
  }
}

export function describeInput(input: CommitInput): string {
  switch (input.kind) {
    case 'frame': return `delivery ${input.delivery}`;
    case 'call': return `call ${input.call} (${input.phase})`;
    case 'timer': return `timer ${input.timer} ${input.conn}`;
    case 'rollup': return 'rollup';
    case 'internal': return `internal ${input.what}`;
    default: return assertNever(input, 'commit input');
  }
}

const ids = (what: string, list: readonly number[]): string =>
  list.length === 0 ? '' : ` ${what} [${list.join(',')}]`;

/** The event in one line, without its time or place. */
export function summarize(e: TraceEvent): string {
  switch (e.kind) {
    case 'phase': return `phase ${e.phase}`;
    case 'frame-sent': return `frame ${e.frame} sent: ${formatFrame(e.bytes)}`;
    case 'frame-fate': return `frame ${e.frame} ${e.fate}${e.delayUs > 0 ? ` +${e.delayUs}µs` : ''}`;
    case 'frame-delivered': return `frame ${e.frame} delivered (delivery ${e.delivery})`;
    case 'call-issued': return describeCall(e.call);
    case 'call-completed': return `call ${e.call} -> ${describeResult(e.result)}`;
    case 'msg-sent': return `msg ${e.msg} -> port ${e.port}: ${describeInput(e.input)}`;
    case 'commit': {
      const msg = e.msg === undefined ? '' : ` msg ${e.msg}`;
      const lin = e.linearizes ? ' linearizes' : '';
      return `commit txn ${e.txn} ${describeInput(e.input)}${msg}${lin}` +
        `${ids('frames', e.frames)}${ids('completions', e.completions)}`;
    }
    case 'object': return `object ${e.object} ${describeDiscipline(e)}`;
    case 'access': {
      const held = e.tokens.length === 0 ? '' : ` holding ${e.tokens.join(',')}`;
      return `${e.mode === 'r' ? 'read' : 'write'} ${e.object} txn ${e.txn}${held}`;
    }
    case 'token': return `token ${e.token} ${e.op} (${e.path})`;
    case 'state': return `${e.conn} ${e.from} => ${e.to}`;
    case 'note': return e.text;
    default: return assertNever(e, 'trace event');
  }
}

function describeDiscipline(e: Extract<TraceEvent, { kind: 'object' }>): string {
  const d = e.discipline;
  switch (d.kind) {
    case 'owned': return `owned by cpu ${d.cpu}`;
    case 'guarded': return `guarded by ${d.token}`;
    case 'immutable': return 'immutable';
    default: return assertNever(d, 'discipline');
  }
}
