import { describe, expect, it } from 'vitest';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { pageContentSecurityPolicy, securityHeaders } from './securityHeaders.js';

async function headersOf(development: boolean): Promise<Headers> {
  const app = express();
  app.use(securityHeaders({ development }));
  app.get('/', (_req, res) => res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    return (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).headers;
  } finally {
    server.close();
  }
}

describe('security headers', () => {
  it('sends helmet’s protections with a strict policy that no one may frame, and no X-Frame-Options', async () => {
    const headers = await headersOf(false);
    const csp = headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(headers.get('x-frame-options')).toBeNull();
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('strict-transport-security')).toContain('max-age=');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('lets a page be framed by its own portal only, and shows that portal’s images', () => {
    const csp = pageContentSecurityPolicy(['https://acme.bitrix24.com/rest/'], { development: false });
    expect(csp).toMatch(/; frame-ancestors https:\/\/acme\.bitrix24\.com$/);
    expect(csp).toContain("img-src 'self' data: https: https://acme.bitrix24.com");
    expect(csp).toContain("connect-src 'self' https://acme.bitrix24.com");
    expect(csp).toContain("script-src 'self';");
    expect(pageContentSecurityPolicy([], { development: false })).toMatch(/frame-ancestors 'none'$/);
  });

  it('allows Vite’s inline preamble and websocket only in development', () => {
    expect(pageContentSecurityPolicy([], { development: true })).toContain("script-src 'self' 'unsafe-inline'");
    expect(pageContentSecurityPolicy([], { development: false })).not.toContain('unsafe-inline\'; ws');
  });
});
