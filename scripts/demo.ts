/**
 * `npm run demo`: the portal simulator and the app together, so anyone can install the app, open it
 * from the simulated left menu and watch pushes arrive on the phone page, without a Bitrix24 account.
 * `npm run demo` builds the client first; what runs is in runDemo.ts.
 */
import { runDemo } from './runDemo.js';

await runDemo();
