/**
 * Child process for the two-processes scheduling test: a whole send stack (store, gateway, pipeline,
 * scheduler) on a shared PostgreSQL, with the clock fixed at NOW. On `go` it ticks its scheduler
 * TICKS times and waits for the sends it started. Env: DATABASE_URL, TOKEN_KEY, OAUTH_URL, CLIENT_ID,
 * CLIENT_SECRET, NOW, TICKS. Prints {started}.
 */
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { openDatabase } from '../../storage/database.js';
import { createPortalStore } from '../../storage/portalStore.js';
import { createTokenCipher, parseEncryptionKey } from '../../security/tokenCipher.js';
import { waitForGo } from '../../storage/testSupport/childProcesses.js';
import { createDepartmentTreeCache } from '../../audience/departmentTreeCache.js';
import { sendAudience } from '../audience.js';
import { createSending } from '../wiring.js';
import type { Scheduler } from '../scheduler.js';
import type { SendPipeline } from '../sendPipeline.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const now = () => Number(env('NOW'));
const config = loadConfig({ DATABASE_URL: env('DATABASE_URL'), TOKEN_ENCRYPTION_KEY: env('TOKEN_KEY'), B24_OAUTH_URL: env('OAUTH_URL'), B24_CLIENT_ID: env('CLIENT_ID'), B24_CLIENT_SECRET: env('CLIENT_SECRET') });
const database = await openDatabase(config.databaseUrl, { poolSize: 4 });
const store = createPortalStore(database, createTokenCipher(parseEncryptionKey(env('TOKEN_KEY'))));
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
process.stdout.write('ready\n');
await waitForGo();

let started = 0;
for (let i = 0; i < Number(env('TICKS')); i += 1) started += await pipeline!.runDueScheduledSends();
await scheduler!.stop();
await pipeline!.idle();
await database.close();
process.stdout.write(`${JSON.stringify({ started })}\n`);
