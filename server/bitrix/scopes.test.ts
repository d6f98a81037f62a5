import { describe, expect, it } from 'vitest';
import { missingScopes, REQUIRED_SCOPES } from './scopes.js';

describe('required scopes', () => {
  it('names what a grant lacks; the wider user scope covers user_brief', () => {
    expect(missingScopes(REQUIRED_SCOPES.join(','))).toEqual([]);
    expect(missingScopes('pull,user,department,sonet_group')).toEqual([]);
    expect(missingScopes('pull user_brief')).toEqual(['department', 'sonet_group']);
    expect(missingScopes('')).toEqual(REQUIRED_SCOPES);
  });
});
