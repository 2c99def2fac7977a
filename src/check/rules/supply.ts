import type { Endpoint } from '../../core/addr';
import type { CallId, Fd } from '../../core/ids';
import type { RunRecord } from '../../core/run';
import type { SupplyPoint } from './types';

/**
 * What one side's application wrote into its TCP socket, from the run's calls: a socket's lifetime
 * runs from its `connect` (or the `accept` that returned it) to its `close`/`abort`, and each
 * completed `send` adds the bytes it reports at its completion time. The points are cumulative
 * lower bounds on the data queued by then (a blocking send appends before it completes). The
 * mapping from socket to connection is by remote endpoint and is used only when it is unique on
 * the host; otherwise there is no supply and the checks that need it stand down.
 */
interface Lifetime {
  readonly fd: Fd;
  readonly remote: Endpoint;
  readonly points: SupplyPoint[];
  total: number;
}

const same = (x: Endpoint, y: Endpoint): boolean => x.addr === y.addr && x.port === y.port;

export function supplyOf(run: RunRecord, host: number, remote: Endpoint): readonly SupplyPoint[] | undefined {
  const lives: Lifetime[] = [];
  const current = new Map<Fd, Lifetime>();
  const sendFd = new Map<CallId, Fd>();
  const start = (fd: Fd, r: Endpoint): void => {
    const l: Lifetime = { fd, remote: r, points: [], total: 0 };
    lives.push(l);
    current.set(fd, l);
  };
  for (const ev of run.trace) {
    if ((ev.kind !== 'call-issued' && ev.kind !== 'call-completed') || ev.host !== host) continue;
    if (ev.kind === 'call-issued') {
      const req = ev.call.req;
      if (req.op === 'connect') start(req.fd, req.remote);
      else if (req.op === 'send') sendFd.set(ev.call.id, req.fd);
      else if (req.op === 'close' || req.op === 'abort') current.delete(req.fd);
      continue;
    }
    const r = ev.result;
    if (!r.ok) continue;
    if (r.value.kind === 'accepted') start(r.value.fd, r.value.remote);
    if (r.value.kind !== 'sent') continue;
    const fd = sendFd.get(ev.call);
    const life = fd === undefined ? undefined : current.get(fd);
    if (life === undefined) continue;
    life.total += r.value.bytes;
    life.points.push({ t: ev.t, bytes: life.total });
  }
  const matching = lives.filter((l) => same(l.remote, remote));
  return matching.length === 1 ? matching[0]!.points : undefined;
}
