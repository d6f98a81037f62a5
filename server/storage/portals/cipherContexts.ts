/**
 * The cipher context each stored secret is bound to (its table, column and row), so a value copied into
 * another row does not decrypt.
 */
export const context = {
  applicationToken: (memberId: string) => `portals.application_token:${memberId}`,
  accessToken: (memberId: string, userId: number) => `portal_users.access_token:${memberId}:${userId}`,
  refreshToken: (memberId: string, userId: number) => `portal_users.refresh_token:${memberId}:${userId}`,
};
