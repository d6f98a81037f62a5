export * from './contract.js';
export { startSimulator, type SimulatorImpl } from './simulator.js';
export { ManualClock, systemClock } from './clock.js';
export { STABLE_EMPLOYEE_ID, createDirectory, type SimDirectory, type SimDirectoryGroup } from './directory.js';
export { SimError, SimPortalImpl, type FrameReload, type FrameSession } from './portal.js';
export { parsePhpQuery } from './phpParams.js';
export { SimOAuthServerImpl } from './oauthServer.js';
