/**
 * The REST scopes the app needs, with the methods that need them (decision 0010, fact 22). The Market
 * manifest (manifest/app.json) must ask for exactly these; a test ties the two together.
 */
export const SCOPE_USES = {
  pull: ['pull.application.push.add'],
  user_brief: ['user.get', 'user.search'],
  department: ['department.get'],
  sonet_group: ['sonet_group.get', 'sonet_group.user.get'],
} as const;

export type RequiredScope = keyof typeof SCOPE_USES;
export const REQUIRED_SCOPES = Object.keys(SCOPE_USES) as RequiredScope[];

/** Scopes the app needs that a grant (comma or space separated, as stored) lacks. `user` covers `user_brief`. */
export function missingScopes(granted: string): RequiredScope[] {
  const have = new Set(granted.split(/[,\s]+/).filter(Boolean));
  return REQUIRED_SCOPES.filter((scope) => !(have.has(scope) || (scope === 'user_brief' && (have.has('user') || have.has('user_basic')))));
}
