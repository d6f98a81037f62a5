/**
 * An audience that names departments or groups the portal does not have (deleted since they were
 * chosen, or never visible to this administrator). The codes are described in server/send/sendErrors.ts.
 */
export type AudienceErrorCode = 'DEPARTMENT_NOT_FOUND' | 'GROUP_NOT_FOUND';

export class AudienceError extends Error {
  constructor(
    readonly code: AudienceErrorCode,
    readonly ids: readonly number[],
  ) {
    super(`${code}: ${ids.join(', ')}`);
    this.name = 'AudienceError';
  }
}
