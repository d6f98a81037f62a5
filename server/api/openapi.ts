import { Router } from 'express';
import { z } from 'zod';
import { answerComponents, endpoints, openApiDocumentSchema, requestComponents, type Endpoint } from '../../contract/endpoints.js';
import { methodsOnly } from '../http/methodNotAllowed.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';
import { answer } from './answer.js';

/**
 * `GET /api/openapi.json`: an OpenAPI 3.1 document of /api/, generated from the API contract
 * (contract/endpoints.ts and the schemas it names) with zod's own JSON Schema output (draft 2020-12,
 * the dialect of OpenAPI 3.1). It describes the API and holds no data, so it is served without
 * authorization (app.ts mounts it before frameAuth). server/api/openapi.test.ts checks that it is valid
 * and that every route the app serves under /api/ is in it.
 */

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = z.output<typeof openApiDocumentSchema>;

const COMPONENT_REF = '#/components/schemas/';
const BEARER = 'frameToken';
const MEMBER_ID = 'memberId';

/** Named schemas converted together, so those used inside others become `$ref`s. */
function components(named: Record<string, z.ZodType>, io: 'input' | 'output'): { schemas: Record<string, JsonSchema>; names: Map<z.ZodType, string> } {
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  for (const [name, schema] of Object.entries(named)) {
    registry.add(schema, { id: name });
    names.set(schema, name);
  }
  const converted = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: (id) => `${COMPONENT_REF}${id}`, override: refuseRegexFlags });
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(converted.schemas)) {
    // Components live inside the document: no dialect or base URI of their own.
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
    schemas[name] = rest;
  }
  return { schemas, names };
}

/** JSON Schema's `pattern` has no flags: a flagged regex (say /…/i) would be described as another one. */
function refuseRegexFlags(ctx: { zodSchema: z.core.$ZodTypes }): void {
  for (const check of ctx.zodSchema._zod.def.checks ?? []) {
    const pattern = (check._zod.def as { pattern?: unknown }).pattern;
    if (pattern instanceof RegExp && pattern.flags.replace(/[gu]/g, '') !== '') {
      throw new Error(`The contract's pattern ${pattern} has flags JSON Schema cannot express: spell it without them.`);
    }
  }
}

/** A schema not among the named ones, written out in place (its own named parts would be copied in too). */
function inline(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', override: refuseRegexFlags }) as JsonSchema;
  return rest;
}

function parameters(object: z.ZodObject | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!object) return [];
  const json = inline(object, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

const ACCESS_NOTES = { public: 'No authorization.', user: 'Any user of the portal.', admin: 'Portal administrators only (403 NOT_ADMIN otherwise).' } as const;

/** The OpenAPI document of /api/ on `serverUrl` (the app's PUBLIC_URL + /api). */
export function openApiDocument(serverUrl: string): OpenApiDocument {
  const requests = components(requestComponents, 'input');
  const answers = components(answerComponents, 'output');
  const clash = Object.keys(requests.schemas).find((name) => name in answers.schemas);
  if (clash) throw new Error(`The contract names two schemas ${clash}`);
  const ref = (schema: z.ZodType, io: 'input' | 'output') => {
    const name = (io === 'input' ? requests : answers).names.get(schema);
    return name ? { $ref: `${COMPONENT_REF}${name}` } : inline(schema, io);
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    paths[endpoint.path] ??= {};
    paths[endpoint.path]![endpoint.method] = operation(endpoint, ref);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Team Push frame API',
      version: '1',
      description:
        'What the app’s frame (the React client inside the Bitrix24 iframe) asks its backend. Every request but this document carries the user’s current Bitrix24 ' +
        'frame token and the portal’s member_id; messages come in the language of Accept-Language (en, ru, de). Generated from the contract the server and the client share (contract/).',
    },
    servers: [{ url: serverUrl }],
    security: [{ [BEARER]: [], [MEMBER_ID]: [] }],
    paths,
    components: {
      schemas: { ...requests.schemas, ...answers.schemas },
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description:
            'The user’s current Bitrix24 access token, as the frame has it (B24Frame auth / BX24.getAuth). The server checks it with the portal; an expired one is answered 401 TOKEN_EXPIRED: renew it and ask again.',
        },
        [MEMBER_ID]: { type: 'apiKey', in: 'header', name: 'X-B24-Member-Id', description: `The portal's member_id (${MEMBER_ID_HEADER}), from the same authorization.` },
      },
    },
  };
}

function operation(endpoint: Endpoint, ref: (schema: z.ZodType, io: 'input' | 'output') => JsonSchema): JsonSchema {
  const params = [...parameters(endpoint.params, 'path'), ...parameters(endpoint.query, 'query')];
  const responses = Object.fromEntries(
    Object.entries(endpoint.answers).map(([status, { description, schema }]) => [status, { description, content: { 'application/json': { schema: ref(schema, 'output') } } }]),
  );
  return {
    operationId: endpoint.operationId,
    summary: endpoint.summary,
    description: [endpoint.description, ACCESS_NOTES[endpoint.access]].filter(Boolean).join(' '),
    ...(endpoint.access === 'public' ? { security: [] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(endpoint.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(endpoint.body, 'input') } } } } : {}),
    responses,
  };
}

/** `GET /api/openapi.json`, generated once. */
export function openApiRoute(options: { publicUrl: string }): Router {
  const document = openApiDocument(`${options.publicUrl}/api`);
  const router = Router();
  router.route('/openapi.json').all(methodsOnly('GET')).get((_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    answer(res, openApiDocumentSchema, document);
  });
  return router;
}
