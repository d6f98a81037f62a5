/**
 * The API contract (contract/ at the repository root, shared with the server) as the client sees it:
 * the types of every request and answer, and the contract's plain values. Only types come from the
 * schema files, so zod and the schemas stay out of the bundle; contract/constants.ts holds no zod.
 */
export type * from '../../../contract/audience.js';
export type * from '../../../contract/errors.js';
export type * from '../../../contract/recipients.js';
export type * from '../../../contract/sends.js';
export type * from '../../../contract/status.js';
export * from '../../../contract/constants.js';
