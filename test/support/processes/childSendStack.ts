/**
 * For the multi-process tests' children: a whole send stack (store, gateway, pipeline, scheduler) on the
 * shared PostgreSQL named by the environment, as an app process has it. Env: DATABASE_URL, TOKEN_KEY,
 * OAUTH_URL, CLIENT_ID, CLIENT_SECRET; NOW fixes the clock when set.
 */
import { loadConfig } from '../../../server/config.js';
import { createLogger } from '../../../server/logger.js';
import { openDatabase, type AppDatabase } from '../../../server/storage/database.js';
import { createPortalStore } from '../../../server/storage/portalStore.js';
import { createTokenCipher, parseEncryptionKey } from '../../../server/security/tokenCipher.js';
import { createDepartmentTreeCache } from '../../../server/audience/departmentTreeCache.js';
import { sendAudience } from '../../../server/send/audience.js';
import { createSending } from '../../../server/send/wiring.js';
import type { Scheduler } from '../../../server/send/scheduler.js';
import type { SendPipeline } from '../../../server/send/sendPipeline.js';

export const requiredEnv = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

export async function childSendStack(): Promise<{ database: AppDatabase; pipeline: SendPipeline; scheduler: Scheduler }> {
  const fixed = process.env.NOW;
  const now = fixed ? () => Number(fixed) : Date.now;
  const key = requiredEnv('TOKEN_KEY');
  const config = loadConfig({ DATABASE_URL: requiredEnv('DATABASE_URL'), TOKEN_ENCRYPTION_KEY: key, B24_OAUTH_URL: requiredEnv('OAUTH_URL'), B24_CLIENT_ID: requiredEnv('CLIENT_ID'), B24_CLIENT_SECRET: requiredEnv('CLIENT_SECRET') });
  const database = await openDatabase(config.databaseUrl, { poolSize: 4 });
  const store = createPortalStore(database, createTokenCipher(parseEncryptionKey(key)));
  const { pipeline, scheduler } = createSending({
    config,
    database,
    store,
    logger: createLogger({ level: 'silent' }),
    audience: sendAudience(createDepartmentTreeCache({ now })),
    now,
    options: { scheduler: false, recoverAtStart: false },
  });
  if (!pipeline || !scheduler) throw new Error('sending is not configured');
  return { database, pipeline, scheduler };
}
