import { startStack, type Stack, type StackOptions } from '../../scripts/stack.js';
import type { ManualClock } from '../../simulator/index.js';
import type { TestDatabase } from './databases.js';
import { fixtureClientPages } from './fixturePages.js';

/**
 * Test support: the app and the simulator on a suite's database and the simulator's manual clock, with
 * the fixture pages; the app's waits (retries, spacing between checks) pass on that clock, instantly.
 */
export function startStackOnClock(database: TestDatabase, clock: ManualClock, options: Omit<StackOptions, 'pages' | 'databaseUrl' | 'clock'>): Promise<Stack> {
  return startStack({
    pages: fixtureClientPages(),
    databaseUrl: database.url,
    clock,
    ...options,
    sends: { sleep: async (ms) => clock.advance(ms), ...options.sends },
  });
}
