/**
 * Child process for the concurrent migration test (run through tsx by runContenders).
 * Env: DATABASE_URL. Prints {pid, applied}.
 */
import { migrateToLatest, openDatabase } from '../../../server/storage/database.js';
import { waitForGo } from '../childProcesses.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const appDb = await openDatabase(url, { poolSize: 3 });
process.stdout.write('ready\n');
await waitForGo();
try {
  const { applied } = await migrateToLatest(appDb);
  process.stdout.write(`${JSON.stringify({ pid: process.pid, applied })}\n`);
} finally {
  await appDb.close();
}
