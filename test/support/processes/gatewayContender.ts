/**
 * Child process for the two-processes refresh test: an app process with its own gateway on a shared
 * PostgreSQL makes CALLS concurrent `profile` calls with an expired stored token.
 * Env: DATABASE_URL, TOKEN_KEY, OAUTH_URL, CLIENT_ID, CLIENT_SECRET, MEMBER_ID, USER_ID, CALLS. Prints {ok, errors}.
 */
import { openDatabase } from '../../../server/storage/database.js';
import { createPortalStore } from '../../../server/storage/portalStore.js';
import { createTokenCipher, parseEncryptionKey } from '../../../server/security/tokenCipher.js';
import { waitForGo } from '../childProcesses.js';
import { createLogger } from '../../../server/logger.js';
import { createOAuthClient } from '../../../server/bitrix/oauthClient.js';
import { createPortalGateway } from '../../../server/bitrix/portalGateway.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const appDb = await openDatabase(env('DATABASE_URL'), { poolSize: 4 });
const store = createPortalStore(appDb, createTokenCipher(parseEncryptionKey(env('TOKEN_KEY'))));
const oauth = createOAuthClient({ oauthUrl: env('OAUTH_URL'), clientId: env('CLIENT_ID'), clientSecret: env('CLIENT_SECRET') });
const gateway = createPortalGateway({ store, oauth, logger: createLogger({ level: 'silent' }) });
process.stdout.write('ready\n');
await waitForGo();

const calls = Number(env('CALLS'));
const outcomes = await Promise.allSettled(Array.from({ length: calls }, () => gateway.callAsUser(env('MEMBER_ID'), Number(env('USER_ID')), 'profile')));
await appDb.close();
const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : []));
process.stdout.write(`${JSON.stringify({ ok: outcomes.length - errors.length, errors })}\n`);
