import type { NewSend } from '../../server/storage/sendStore.js';

/**
 * Test support: sends to record directly in a send store, each with its own id and idempotency key
 * (unique within the test process), leased by `owner` for a minute from the clock's time.
 */
let seq = 0;

export function newSendFactory(defaults: { memberId: string; owner: string; keyPrefix: string; now: () => number }): (overrides?: Partial<NewSend>) => NewSend {
  return (overrides = {}) => {
    seq += 1;
    return {
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      memberId: defaults.memberId,
      senderId: 1,
      idempotencyKey: `${defaults.keyPrefix}-${seq}-${'x'.repeat(16)}`,
      requestHash: 'h',
      text: 'Hello',
      avatar: null,
      audience: { users: [2, 3] },
      testToSelf: false,
      leaseUntil: defaults.now() + 60_000,
      leaseOwner: defaults.owner,
      ...overrides,
    };
  };
}
