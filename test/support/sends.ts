import type { AppDatabase } from '../../server/storage/database.js';
import { createPortalStore } from '../../server/storage/portalStore.js';
import type { NewSend } from '../../server/storage/sendStore.js';
import { createTokenCipher, generateEncryptionKey } from '../../server/security/tokenCipher.js';

/** Test support: portal rows for sends to belong to (sends reference their portal). */
export async function storePortalsForSends(database: AppDatabase, memberIds: readonly string[]): Promise<void> {
  const portals = createPortalStore(database, createTokenCipher(generateEncryptionKey()));
  for (const memberId of memberIds) {
    await portals.upsertPortal({ memberId, domain: 'p.example', clientEndpoint: 'https://p.example/rest/', serverEndpoint: 'https://oauth.example/rest/', appName: 'Team Push' });
  }
}


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
