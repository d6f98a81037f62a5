import { describe, expect, it } from 'vitest';
import { frameAncestorsPolicy } from './frameAncestors.js';

describe('frameAncestorsPolicy', () => {
  it('names the portal origin taken from its REST endpoint', () => {
    expect(frameAncestorsPolicy(['https://acme.bitrix24.com/rest/'])).toBe('frame-ancestors https://acme.bitrix24.com');
  });

  it('keeps each origin once and ignores what is not an http(s) URL', () => {
    expect(frameAncestorsPolicy(['https://a.bitrix24.de/rest/', 'https://a.bitrix24.de/', 'javascript:alert(1)', 'not a url'])).toBe(
      'frame-ancestors https://a.bitrix24.de',
    );
  });

  it("allows no one when no portal is known", () => {
    expect(frameAncestorsPolicy([])).toBe("frame-ancestors 'none'");
  });
});
