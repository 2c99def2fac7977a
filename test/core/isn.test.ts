/**
 * Method: the secret-keyed functions both TCP stacks share (src/core/isn.ts, docs/TCP-PROFILE.md
 * TP-5, TP-14, TP-15) are checked as pure functions: determinism, growth with time (SEQ-8,
 * TW-3), the SYN-cookie round trip and its rejections (SYNC-4, SYNC-5), the bucket range.
 */
import { describe, expect, it } from 'vitest';
import { hostAddr, port } from '../../src/core/addr';
import type { TcpTuple } from '../../src/core/isn';
import {
  SYNCOOKIE_MSS, syncacheBucket, syncookie, syncookieCheck, syncookieMssClass, tcpIsn,
} from '../../src/core/isn';

const T: TcpTuple = { laddr: hostAddr(0), lport: port(49152), faddr: hostAddr(1), fport: port(80) };

describe('core/isn: ISNs, SYN cookies, syncache buckets', () => {
  it('ISN = F(seed, tuple) & 0x0FFFFFFF plus 2500 per tick at hz = 100: deterministic, keyed, growing (TP-5, SEQ-8)', () => {
    const a = tcpIsn(1, T, 0, 100);
    expect(tcpIsn(1, T, 0, 100)).toBe(a);
    expect(a).toBeLessThan(2 ** 28);
    expect(tcpIsn(2, T, 0, 100)).not.toBe(a);
    expect(tcpIsn(1, { ...T, lport: port(49153) }, 0, 100)).not.toBe(a);
    expect(tcpIsn(1, T, 100, 100)).toBe((a + 250_000) >>> 0);
    // The 4 µs clock wraps modulo 2^32.
    const far = 2 ** 32 / 2500;
    expect(tcpIsn(1, T, Math.ceil(far), 100)).toBeLessThan(a + 2500);
  });

  it('a SYN cookie validates within 16 s and restores the MSS class; anything else is refused (TP-15, SYNC-4, SYNC-5)', () => {
    for (const mss of [undefined, 536, 1000, 1460, 8960, 9000]) {
      const c = syncookie(7, T, 123456, mss, 500, 100);
      const cls = syncookieCheck(7, T, 123456, c, 500, 100);
      expect(cls).toBe(syncookieMssClass(mss));
      expect(SYNCOOKIE_MSS[cls!]).toBeLessThanOrEqual(mss ?? 0);
      // Still valid 15.5 s later, never after 16 s (the secret index names another epoch).
      expect(syncookieCheck(7, T, 123456, c, 500 + 1550, 100)).toBe(cls);
      expect(syncookieCheck(7, T, 123456, c, 500 + 1600, 100)).not.toBe(cls);
    }
    const c = syncookie(7, T, 123456, 1460, 500, 100);
    expect(syncookieCheck(8, T, 123456, c, 500, 100)).toBeNull();
    expect(syncookieCheck(7, T, 123457, c, 500, 100)).toBeNull();
    expect(syncookieCheck(7, { ...T, fport: port(81) }, 123456, c, 500, 100)).toBeNull();
  });

  it('syncache buckets lie in [0, hashsize) and depend on the CPU\'s secret (TP-14)', () => {
    for (let p = 0; p < 200; p++) {
      const b = syncacheBucket(3, 1, { ...T, fport: port(1000 + p) }, 512);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(512);
    }
    expect(syncacheBucket(3, 0, T, 1)).toBe(0);
    const seen = new Set([0, 1, 2, 3].map((cpu) => syncacheBucket(3, cpu, T, 512)));
    expect(seen.size).toBeGreaterThan(1);
  });
});
