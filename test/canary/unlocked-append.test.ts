import { describe, expect, it, vi } from 'vitest';
import { serializability } from '../../properties/defs/serializability';
import { caught, expectSmall } from './helpers';

/**
 * Canary (issue #2, break 2): a receive-buffer append without its token. `udp_input` appends the
 * datagram to the socket's receive buffer without taking `so_rcv.ssb_token`, racing the user
 * side's recv, which removes records under that token (dragonfly.md D.7). The data still arrives
 * intact, so only the access log can tell: the write to the guarded sockbuf is made without its
 * token, claim 3(b).
 */
vi.mock('../../src/impl/socket/sockbuf', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/impl/socket/sockbuf')>();
  type Args = Parameters<typeof real.sbAppendAddr>;
  return {
    ...real,
    sbAppendAddr: function* (...[inet, sb, rec]: Args): ReturnType<typeof real.sbAppendAddr> {
      const k = inet.k;
      k.rd(sb.obj);
      const fits = real.sbHasSpaceFor(sb, rec.data.length);
      if (fits) {
        k.wr(sb.obj);
        sb.records.push(rec);
        sb.cc += rec.data.length + real.SOCKADDR_LEN;
        real.sowakeup(inet, sb);
      }
      return fits;
    },
  };
});

describe('canary: sockbuf append without ssb_token', () => {
  it('is caught by serializability: one datagram into a bound socket', () => {
    const cx = caught(serializability, { checker: 'serializability' });
    expect(cx.verdict.kind).toBe('guarded-without-token');
    expectSmall(cx, { maxApps: 2, maxSteps: 5 });
  });
});
