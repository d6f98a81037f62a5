import { z } from 'zod';
import { audiencePreviewAnswerSchema, audiencePreviewRequestSchema, audienceSchema } from './audience.js';
import { errorAnswerSchema } from './errors.js';
import { recipientDirectorySchema, recipientSearchAnswerSchema, recipientSummarySchema, searchQuerySchema } from './recipients.js';
import {
  SEND_ID,
  messageCheckAnswerSchema,
  messageCheckSchema,
  notCancellableAnswerSchema,
  oneSendAnswerSchema,
  payloadFitSchema,
  sendAnswerSchema,
  sendBodySchema,
  sendFailedAnswerSchema,
  sendHistoryAnswerSchema,
  sendRefusalSchema,
  sendHistoryQuerySchema,
  sendViewSchema,
} from './sends.js';
import { statusAnswerSchema } from './status.js';

/**
 * Every endpoint of `/api/`, described with the contract's schemas: the server generates its OpenAPI
 * document from this table (server/api/openapi.ts, `GET /api/openapi.json`), and a test checks that
 * every route the app serves under /api/ is in it.
 */

/** Who may call an endpoint: anyone, any user of an installed portal, or its administrators. */
export type Access = 'public' | 'user' | 'admin';

export interface EndpointAnswer {
  description: string;
  schema: z.ZodType;
}

export interface Endpoint {
  method: 'get' | 'post';
  /** Under /api, with OpenAPI's `{param}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  access: Access;
  /** Path parameters, one property each. */
  params?: z.ZodObject;
  /** Query parameters, one property each. */
  query?: z.ZodObject;
  /** The JSON body. */
  body?: z.ZodType;
  /** By HTTP status (or `default`). */
  answers: Record<string, EndpointAnswer>;
}

export const openApiDocumentSchema = z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document.');

const sendIdParams = z.strictObject({ id: z.string().regex(SEND_ID).describe("The send's id.") });

/** What any endpoint may answer besides its own answers: refusals by the layers in front of it. */
function refusals(access: Access): Record<string, EndpointAnswer> {
  const error = (description: string): EndpointAnswer => ({ description, schema: errorAnswerSchema });
  return {
    ...(access === 'public'
      ? {}
      : {
          401: error(
            'AUTH_REQUIRED, UNKNOWN_PORTAL or BAD_TOKEN: no, or no valid, Bitrix24 authorization for an installed portal; TOKEN_EXPIRED: renew the frame token and ask again.',
          ),
          429: error('TOO_MANY_REQUESTS: too many requests (or sign-ins) in a short time; wait Retry-After seconds.'),
        }),
    ...(access === 'admin' ? { 403: error('NOT_ADMIN: only portal administrators may do this.') } : {}),
    405: error('METHOD_NOT_ALLOWED: the path takes other methods (see Allow).'),
    default: error('Any other refusal: BAD_REQUEST (malformed body, 413 too large), PORTAL_ERROR and the error table’s codes (5xx), INTERNAL_ERROR.'),
  };
}

export const endpoints: readonly Endpoint[] = [
  {
    method: 'get',
    path: '/status',
    operationId: 'getStatus',
    summary: 'The caller, the portal’s install state and the app’s stored authorization',
    access: 'user',
    answers: { 200: { description: 'The status.', schema: statusAnswerSchema }, ...refusals('user') },
  },
  {
    method: 'post',
    path: '/message/check',
    operationId: 'checkMessage',
    summary: 'How a text (and image) fits the phones’ payload caps',
    access: 'admin',
    body: messageCheckSchema,
    answers: {
      200: { description: 'The fit.', schema: messageCheckAnswerSchema },
      400: { description: 'TEXT_EMPTY, TEXT_TOO_LONG, TEXT_INVALID, AVATAR_INVALID, UNKNOWN_FIELD, VALIDATION_FAILED, naming `field`.', schema: errorAnswerSchema },
      ...refusals('admin'),
    },
  },
  {
    method: 'post',
    path: '/sends',
    operationId: 'send',
    summary: 'Send a push (to an audience, as a test to oneself, or scheduled)',
    description:
      'Idempotent by `idempotencyKey`: the same key and message answer the same send (header Idempotent-Replayed: true). ' +
      'A send that has not finished within the server’s bound is answered 202: follow it with GET /sends/{id}. ' +
      '"accepted" is all Bitrix24 tells: it never reports delivery.',
    access: 'admin',
    body: sendBodySchema,
    answers: {
      ...refusals('admin'),
      200: { description: 'A replay of this key (or a scheduled send recorded before).', schema: sendAnswerSchema },
      201: { description: 'A new send: finished, or scheduled.', schema: sendAnswerSchema },
      202: { description: 'Still running: follow GET /sends/{id}.', schema: sendAnswerSchema },
      // A send that failed as a whole is answered with the error table's status (400, 401, 402, 403, 410, 422, 502, 503), carrying the send.
      400: {
        description:
          'The body is not valid (TEXT_EMPTY, TEXT_TOO_LONG, TEXT_INVALID, AVATAR_INVALID, IDEMPOTENCY_KEY_INVALID, AUDIENCE_INVALID, SEND_AT_INVALID, UNKNOWN_FIELD, VALIDATION_FAILED), naming `field`; ' +
          'TEXT_TOO_LONG_FOR_IPHONE (with `iphoneText`, the text `shortenForIphone: true` would send) or AVATAR_TOO_LONG_FOR_IPHONE; or the send failed as a whole.',
        schema: sendRefusalSchema,
      },
      401: { description: 'As for every endpoint; or the send failed as a whole (REOPEN_APP: the sender’s stored authorization is missing).', schema: sendRefusalSchema },
      403: { description: 'NOT_ADMIN; or the send failed as a whole (the portal refused it).', schema: sendRefusalSchema },
      409: { description: 'IDEMPOTENCY_KEY_REUSED: this key was used for a different message.', schema: errorAnswerSchema },
      default: { description: 'The send failed as a whole (the error table’s status and code, with the send), APP_MISCONFIGURED (503), or any other refusal.', schema: sendRefusalSchema },
    },
  },
  {
    method: 'get',
    path: '/sends',
    operationId: 'listSends',
    summary: 'The send history, newest first, a page at a time',
    access: 'admin',
    query: sendHistoryQuerySchema,
    answers: {
      200: { description: 'A page of sends.', schema: sendHistoryAnswerSchema },
      400: { description: 'UNKNOWN_FIELD or VALIDATION_FAILED (limit, before).', schema: errorAnswerSchema },
      ...refusals('admin'),
    },
  },
  {
    method: 'get',
    path: '/sends/{id}',
    operationId: 'getSend',
    summary: 'One send of this portal',
    access: 'admin',
    params: sendIdParams,
    answers: {
      200: { description: 'The send.', schema: oneSendAnswerSchema },
      404: { description: 'SEND_NOT_FOUND: no such send on this portal.', schema: errorAnswerSchema },
      ...refusals('admin'),
    },
  },
  {
    method: 'post',
    path: '/sends/{id}/cancel',
    operationId: 'cancelSend',
    summary: 'Cancel a scheduled send that has not started, or a send Bitrix24 paused',
    access: 'admin',
    params: sendIdParams,
    answers: {
      200: { description: 'The send, now cancelled.', schema: oneSendAnswerSchema },
      404: { description: 'SEND_NOT_FOUND: no such send on this portal.', schema: errorAnswerSchema },
      409: { description: 'NOT_CANCELLABLE: it is being sent, finished or was already cancelled.', schema: notCancellableAnswerSchema },
      ...refusals('admin'),
    },
  },
  {
    method: 'post',
    path: '/audience/preview',
    operationId: 'previewAudience',
    summary: 'How many people an audience reaches, resolved as a send would resolve it',
    access: 'admin',
    body: audiencePreviewRequestSchema,
    answers: {
      200: { description: 'The reach.', schema: audiencePreviewAnswerSchema },
      400: { description: 'AUDIENCE_INVALID or UNKNOWN_FIELD, naming `field`.', schema: errorAnswerSchema },
      422: { description: 'DEPARTMENT_NOT_FOUND or GROUP_NOT_FOUND, with their `ids`.', schema: errorAnswerSchema },
      ...refusals('admin'),
    },
  },
  {
    method: 'get',
    path: '/recipients/search',
    operationId: 'searchRecipients',
    summary: 'Active employees by name, position or department',
    access: 'admin',
    query: searchQuerySchema,
    answers: {
      200: { description: 'The employees found.', schema: recipientSearchAnswerSchema },
      400: { description: 'SEARCH_INVALID or UNKNOWN_FIELD.', schema: errorAnswerSchema },
      ...refusals('admin'),
    },
  },
  {
    method: 'get',
    path: '/recipients/directory',
    operationId: 'getRecipientDirectory',
    summary: 'The portal’s departments and workgroups to choose from',
    access: 'admin',
    answers: { 200: { description: 'The directory.', schema: recipientDirectorySchema }, ...refusals('admin') },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    description: 'Describes the API and holds no data.',
    access: 'public',
    answers: { 200: { description: 'The OpenAPI document.', schema: openApiDocumentSchema }, ...refusals('public') },
  },
];

/**
 * Schemas the document names (`components.schemas`), requests (read as input: defaults may be left out)
 * apart from answers (read as output). Each body and answer of `endpoints` is one of them or is built
 * from them.
 */
export const requestComponents = {
  Audience: audienceSchema,
  MessageCheckRequest: messageCheckSchema,
  SendRequest: sendBodySchema,
  AudiencePreviewRequest: audiencePreviewRequestSchema,
};

export const answerComponents = {
  ErrorAnswer: errorAnswerSchema,
  StatusAnswer: statusAnswerSchema,
  PayloadFit: payloadFitSchema,
  MessageCheckAnswer: messageCheckAnswerSchema,
  SendView: sendViewSchema,
  SendAnswer: sendAnswerSchema,
  SendFailedAnswer: sendFailedAnswerSchema,
  SendRefusal: sendRefusalSchema,
  OneSendAnswer: oneSendAnswerSchema,
  NotCancellableAnswer: notCancellableAnswerSchema,
  SendHistoryAnswer: sendHistoryAnswerSchema,
  RecipientSummary: recipientSummarySchema,
  RecipientSearchAnswer: recipientSearchAnswerSchema,
  RecipientDirectory: recipientDirectorySchema,
  AudiencePreviewAnswer: audiencePreviewAnswerSchema,
  OpenApiDocument: openApiDocumentSchema,
};
