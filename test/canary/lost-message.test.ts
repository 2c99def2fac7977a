import { describe, expect, it, vi } from 'vitest';
import { MsgPort } from '../../src/impl/kern/msgport';
import { netisrConformance } from '../../properties/defs/netisr.conformance';
import { caught, expectSmall } from './helpers';

/**
 * Canary (issue #2, break 3): a message lost from a port. `lwkt_getport` advances past the
 * message queued behind the one it returns whenever two are waiting, as an off-by-one in the
 * queue head would. The lost message was sent (a 'msg-sent' event) but its input is never
 * committed; netisr conformance (every input handled exactly once) must notice.
 */
const realGet = MsgPort.prototype.get;
vi.spyOn(MsgPort.prototype, 'get').mockImplementation(function (this: MsgPort) {
  const msg = realGet.call(this);
  if (msg !== null && this.length > 0) realGet.call(this);
  return msg;
});

describe('canary: a port loses the message behind the one it hands out', () => {
  it('is caught by netisr.conformance with a small counterexample', () => {
    const cx = caught(netisrConformance, { checker: 'netisr-conformance' });
    expect(cx.verdict.kind).toBe('message-lost');
    expectSmall(cx, { maxApps: 2, maxSteps: 8 });
  });
});
