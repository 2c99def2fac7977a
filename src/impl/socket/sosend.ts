import { err, ok } from '../../core/result';
import type { AppCall, CallRequest, CallResult, SocketError } from '../../core/socket';
import { sendmsg } from '../kern/msgport';
import type { Co } from '../kern/thread';
import { getTokens, relTokens } from '../kern/token';
import type { Inet } from '../net/inet';
import { NetMsg } from '../net/netmsg';
import type { Socket } from './socket';
import type { SendArg } from './usrreq';

/**
 * Read before editing: UP-7, UP-15, dragonfly.md E (`sosendudp`), D.6 (`so_pru_send_async`).
 *
 * The user side of a UDP send: under `ssb_lock(so_snd)` (its token) and the receive token that
 * guards `so_state`/`so_error`, check in UP-7's order; a failure linearizes here. Otherwise copy
 * the data into an asynchronous `pru_send` message to `so_port` and return at once: the send
 * linearizes later on the protocol side, and the user never learns its fate. `sendsInFlight`
 * tells the owner's ICMP handling that such a send is on its way (udp/ctlinput.ts).
 */
export function* sosend(
  inet: Inet, call: AppCall, so: Socket, req: Extract<CallRequest, { op: 'send' }>,
): Co<CallResult> {
  const k = inet.k;
  const toks = [so.snd.token, so.rcv.token];
  yield* getTokens(k, toks, 'so.send');
  k.rd(so.stateObj);
  const e = sendCheck(inet, so, req);
  if (e !== null) {
    relTokens(k, toks);
    k.linearize();
    return err(e);
  }
  k.wr(so.stateObj);
  so.st.sendsInFlight++;
  const u = inet.protosw[so.proto].usrreqs!;
  const arg: SendArg = { call: call.id, data: req.data.slice(), to: req.to ?? null };
  const input = { kind: 'call', call: call.id, phase: 'proto' } as const;
  const msg = new NetMsg(k, input, 'apanic', 0, u.send, arg, so);
  sendmsg(k, so.port, msg);
  relTokens(k, toks);
  return ok({ kind: 'sent', bytes: req.data.length });
}

/** UP-7's checks, in order. Clears a pending asynchronous error it returns. */
function sendCheck(
  inet: Inet, so: Socket, req: Extract<CallRequest, { op: 'send' }>,
): SocketError | null {
  const st = so.st;
  if (st.cantSendMore) return 'EPIPE';
  if (st.error !== null) {
    const e = st.error;
    inet.k.wr(so.stateObj);
    st.error = null;
    return e;
  }
  if (req.data.length > inet.cfg.udp.maxdgram) return 'EMSGSIZE';
  if (st.connected && req.to !== undefined) return 'EISCONN';
  if (!st.connected && req.to === undefined) return 'EDESTADDRREQ';
  return null;
}
