/**
 * For the multi-process tests' children: a whole send stack (store, gateway, pipeline, scheduler) on the
 * shared PostgreSQL named by the environment, as an app process has it. Env: DATABASE_URL, TOKEN_KEY,
 * OAUTH_URL, CLIENT_ID, CLIENT_SECRET; NOW fixes the clock when set.
 */
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { openDatabase, type AppDatabase } from '../../storage/database.js';
import { createPortalStore } from '../../storage/portalStore.js';
import { createTokenCipher, parseEncryptionKey } from '../../security/tokenCipher.js';
import { createDepartmentTreeCache } from '../../audience/departmentTreeCache.js';
import { sendAudience } from '../audience.js';
import { createSending } from '../wiring.js';
import type { Scheduler } from '../scheduler.js';
import type { SendPipeline } from '../sendPipeline.js';

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
  let scheduler: Scheduler | undefined;
  let pipeline: SendPipeline | undefined;
  createSending({
    config,
    database,
    store,
    logger: createLogger({ level: 'silent' }),
    audience: sendAudience(createDepartmentTreeCache({ now })),
    now,
    options: { scheduler: false, recoverAtStart: false, onScheduler: (built) => (scheduler = built), onPipeline: (built) => (pipeline = built) },
  });
  if (!pipeline || !scheduler) throw new Error('sending is not configured');
  return { database, pipeline, scheduler };
}
