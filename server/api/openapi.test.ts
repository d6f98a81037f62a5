import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import type { SimPortal } from '../../simulator/contract.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { createApp } from '../app.js';
import { composeParts } from '../composition.js';
import { createLifecycle } from '../lifecycle.js';
import { createLogger } from '../logger.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';

/**
 * `GET /api/openapi.json`, generated from the API contract (contract/): a valid OpenAPI 3.1 document,
 * served without authorization, that describes every route the app serves under /api/ (found by
 * walking the Express app's own routers, so a route added without a description fails here), and whose
 * answers are what the server answers.
 */

type Json = Record<string, unknown>;
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { content: { 'application/json': { schema: Json } } }> }>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

let stack: Stack;
let portal: SimPortal;
let document: OpenApi;

beforeAll(async () => {
  stack = await startStack({ pages: fixtureClientPages(), portals: [{ label: 'p', users: 30 }] });
  portal = stack.sim.portal('p');
  expect(await postInstall(portal)).toBe(200);
  const response = await fetch(`${stack.appUrl}/api/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApi;
});

afterAll(async () => {
  await stack?.close();
});

/** An Express 5 (router 2) layer, as far as the walk needs it. */
interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean | undefined> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every route (method and path) the app serves, with the paths of the routers it is mounted under. */
function routesOf(layers: Layer[], prefix = ''): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  for (const layer of layers) {
    if (layer.route) {
      const methods = Object.keys(layer.route.methods).filter((method) => method !== '_all' && layer.route!.methods[method]);
      // A route with `all()` alone answers every method: the document cannot describe that.
      for (const path of [layer.route.path].flat()) for (const method of methods.length ? methods : ['*']) routes.push({ method, path: prefix + path });
    } else if (layer.handle.stack) {
      if (typeof layer.rawPath !== 'string') throw new Error('A router is mounted on a path the walk cannot read');
      routes.push(...routesOf(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : layer.rawPath)));
    }
  }
  return routes;
}

/** The app's routes under /api/, as OpenAPI paths under the document's server (`/sends/{id}`). */
async function apiRoutes(): Promise<string[]> {
  // An app like the stack's (the routes do not depend on its options), whose routers can be walked.
  const lifecycle = createLifecycle();
  const parts = composeParts({ config: stack.config, logger: createLogger({ level: 'silent' }), store: stack.store, database: stack.database, lifecycle, sends: { recoverAtStart: false, scheduler: false } });
  const app = createApp({ parts, pages: fixtureClientPages() });
  await lifecycle.drain(5_000);
  const routes = routesOf((app.router as unknown as { stack: Layer[] }).stack);
  expect(routes.length).toBeGreaterThan(0);
  return routes
    .filter((route) => route.path.startsWith('/api/'))
    .map((route) => `${route.method.toUpperCase()} ${route.path.slice('/api'.length).replace(/:(\w+)/g, '{$1}')}`)
    .sort();
}

const described = () =>
  Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1, and every $ref in it resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Json);
    expect(result.errors).toBeUndefined();
    expect([result.valid, validator.version]).toEqual([true, '3.1']);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBeTruthy();
    expect(document.servers).toEqual([{ url: `${stack.appUrl}/api` }]);

    const refs: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else collect(value);
        }
      }
    };
    collect(document);
    expect(refs.length).toBeGreaterThan(10);
    const unresolved = refs.filter((ref) => {
      if (!ref.startsWith('#/')) return true;
      let node: unknown = document;
      for (const part of ref.slice(2).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))) {
        node = typeof node === 'object' && node !== null ? (node as Json)[part] : undefined;
      }
      return node === undefined;
    });
    expect(unresolved).toEqual([]);
  });

  it('has JSON Schema (2020-12) components that compile', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect(() => ajv.compile(withComponents(schema)), name).not.toThrow();
    }
  });

  it('describes every route the app serves under /api/, and no route it does not serve', async () => {
    const routes = await apiRoutes();
    expect(routes).toContain('GET /sends/{id}');
    expect(routes).toContain('GET /openapi.json');
    expect(routes.filter((route) => !described().includes(route))).toEqual([]);
    expect(described().filter((operation) => !routes.includes(operation))).toEqual([]);
  });

  it('documents the frame’s authorization (Bearer token and X-B24-Member-Id), which only the document itself goes without', async () => {
    const schemes = Object.entries(document.components.securitySchemes);
    const bearer = schemes.find(([, scheme]) => scheme.type === 'http' && scheme.scheme === 'bearer')?.[0];
    const memberId = schemes.find(([, scheme]) => scheme.type === 'apiKey' && scheme.in === 'header' && String(scheme.name).toLowerCase() === MEMBER_ID_HEADER)?.[0];
    expect(bearer && memberId).toBeTruthy();
    expect(document.security).toEqual([{ [bearer!]: [], [memberId!]: [] }]);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) expect([method, path, operation.security]).toEqual([method, path, path === '/openapi.json' ? [] : undefined]);
    }
    // Served without the frame's authorization; other methods are refused as on every /api/ path.
    const post = await fetch(`${stack.appUrl}/api/openapi.json`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
    expect((await fetch(`${stack.appUrl}/api/status`)).status).toBe(401);
  });
});

/** `schema` with the document's components beside it (`#/components/schemas/X` -> `#/$defs/X`), for Ajv. */
function withComponents(schema: Json): Json {
  const rewrite = (value: Json): Json => JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/')) as Json;
  return { ...rewrite(schema), $defs: Object.fromEntries(Object.entries(document.components.schemas).map(([name, component]) => [name, rewrite(component)])) };
}

describe('what the server answers', () => {
  const admin = () => firstAdmin(portal);
  const headersOf = (userId: number) => ({ Authorization: `Bearer ${portal.issueTokens(userId).access_token}`, [MEMBER_ID_HEADER]: portal.memberId });
  const checked = new Set<string>();

  /**
   * Calls `method path` and checks the answer against the document's schema for `template` and the
   * status (`describedAs`: the operation whose answers a method the path does not take is checked by).
   */
  async function call(method: string, template: string, path: string, options: { body?: unknown; headers?: Record<string, string>; describedAs?: string } = {}) {
    const headers = options.headers ?? headersOf(admin().id);
    const response = await fetch(`${stack.appUrl}/api${path}`, {
      method,
      headers: options.body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const body = (await response.json()) as Json;
    const operation = options.describedAs ?? method;
    const answers = document.paths[template]?.[operation.toLowerCase()]?.responses;
    const answer = answers?.[String(response.status)] ?? answers?.default;
    expect(answer, `${operation} ${template} ${response.status} is described`).toBeDefined();
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(withComponents(answer!.content['application/json'].schema));
    expect(validate(body) ? [] : validate.errors, `${method} ${path} ${response.status}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
    checked.add(`${operation} ${template}`);
    return { status: response.status, body };
  }

  it('matches the document, for each endpoint’s answers and refusals', async () => {
    expect((await call('GET', '/status', '/status')).status).toBe(200);
    expect((await call('GET', '/status', '/status', { headers: {} })).status).toBe(401);
    expect((await call('PUT', '/status', '/status', { describedAs: 'GET' })).status).toBe(405);
    const employee = portal.directory.users.find((user) => isRecipient(user) && !user.admin)!;
    expect((await call('GET', '/recipients/directory', '/recipients/directory', { headers: headersOf(employee.id) })).status).toBe(403);

    expect((await call('POST', '/message/check', '/message/check', { body: { text: 'Hello' } })).status).toBe(200);
    expect((await call('POST', '/message/check', '/message/check', { body: { text: ' ' } })).status).toBe(400);

    const test = await call('POST', '/sends', '/sends', { body: { idempotencyKey: randomUUID(), text: 'A test', testToSelf: true } });
    expect(test.status).toBe(201);
    const inactive = portal.directory.users.find((user) => !user.active)!;
    const nobody = await call('POST', '/sends', '/sends', { body: { idempotencyKey: randomUUID(), text: 'Nobody', audience: { users: [inactive.id] } } });
    expect([nobody.status, nobody.body.error]).toEqual([422, 'NO_RECIPIENTS']);
    const later = await call('POST', '/sends', '/sends', {
      body: { idempotencyKey: randomUUID(), text: 'Later', audience: { departments: [{ id: 1 }] }, sendAt: new Date(stack.sim.clock.now() + 3_600_000).toISOString() },
    });
    expect(later.status).toBe(201);
    expect((await call('POST', '/sends', '/sends', { body: { idempotencyKey: 'short', text: 'Hi', testToSelf: true } })).status).toBe(400);

    const id = (later.body.send as { id: string }).id;
    expect((await call('GET', '/sends', '/sends')).status).toBe(200);
    expect((await call('GET', '/sends', '/sends?limit=0')).status).toBe(400);
    expect((await call('GET', '/sends/{id}', `/sends/${id}`)).status).toBe(200);
    expect((await call('GET', '/sends/{id}', `/sends/${randomUUID()}`)).status).toBe(404);
    expect((await call('POST', '/sends/{id}/cancel', `/sends/${id}/cancel`, { body: {} })).status).toBe(200);
    expect((await call('POST', '/sends/{id}/cancel', `/sends/${id}/cancel`, { body: {} })).status).toBe(409);

    expect((await call('POST', '/audience/preview', '/audience/preview', { body: { audience: { all: true } } })).status).toBe(200);
    expect((await call('POST', '/audience/preview', '/audience/preview', { body: { audience: {} } })).status).toBe(400);
    const missing = await call('POST', '/audience/preview', '/audience/preview', { body: { audience: { departments: [{ id: 99_999 }] } } });
    expect([missing.status, missing.body.ids]).toEqual([422, [99_999]]);
    expect((await call('GET', '/recipients/search', `/recipients/search?q=${encodeURIComponent(admin().name.slice(0, 3))}`)).status).toBe(200);
    expect((await call('GET', '/recipients/search', '/recipients/search?q=')).status).toBe(400);
    expect((await call('GET', '/recipients/directory', '/recipients/directory')).status).toBe(200);
    expect((await call('GET', '/openapi.json', '/openapi.json', { headers: {} })).status).toBe(200);

    expect([...checked].sort()).toEqual(described());
  });
});
