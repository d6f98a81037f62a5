/**
 * Child process for the two-processes idempotency test: a send stack on a shared PostgreSQL submits
 * the same request (same idempotency key) at the same moment as another process. Env: DATABASE_URL,
 * TOKEN_KEY, OAUTH_URL, CLIENT_ID, CLIENT_SECRET, REQUEST (JSON of a SendRequest). Prints {created, sendId, status}.
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
import type { SendPipeline, SendRequest } from '../sendPipeline.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const config = loadConfig({ DATABASE_URL: env('DATABASE_URL'), TOKEN_ENCRYPTION_KEY: env('TOKEN_KEY'), B24_OAUTH_URL: env('OAUTH_URL'), B24_CLIENT_ID: env('CLIENT_ID'), B24_CLIENT_SECRET: env('CLIENT_SECRET') });
const database = await openDatabase(config.databaseUrl, { poolSize: 4 });
const store = createPortalStore(database, createTokenCipher(parseEncryptionKey(env('TOKEN_KEY'))));
let pipeline: SendPipeline | undefined;
createSending({
  config,
  database,
  store,
  logger: createLogger({ level: 'silent' }),
  audience: sendAudience(createDepartmentTreeCache()),
  options: { scheduler: false, recoverAtStart: false, onPipeline: (built) => (pipeline = built) },
});
const request = JSON.parse(env('REQUEST')) as SendRequest;
process.stdout.write('ready\n');
await waitForGo();

const submission = await pipeline!.submit(request);
const send = await submission.done;
await pipeline!.idle();
await database.close();
process.stdout.write(`${JSON.stringify({ created: submission.created, sendId: send.id, status: send.status })}\n`);
