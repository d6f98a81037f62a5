import { z } from 'zod';
import { storableText } from '../../contract/text.js';

/**
 * What Bitrix24 POSTs to the install handler, the app page and the event handler (decision 0010, facts 4, 5 and 9).
 * These fields are claims: member_id, DOMAIN and endpoints in them are never used to reach anything;
 * the OAuth server's answer (or the stored portal) is what counts.
 */

export const MEMBER_ID = /^[a-z0-9]{1,64}$/i;
/** Redeemed at the OAuth server or kept (encrypted), so it must survive both exactly (contract/text.ts). */
const token = storableText(z.string().trim().min(8, 'is too short to be a token').max(512, 'is too long to be a token'));

/** Form body of the install POST and of the app page POST. */
export const frameOpenForm = z.object({
  AUTH_ID: token,
  AUTH_EXPIRES: z.coerce.number().int().positive().max(86_400).optional(),
  REFRESH_ID: token,
  member_id: z.string().trim().regex(MEMBER_ID, 'is not a Bitrix24 member_id'),
  APPLICATION_TOKEN: token.optional(),
  SERVER_ENDPOINT: z.string().max(512).optional(),
  APPLICATION_SCOPE: z.string().max(512).optional(),
  status: z.enum(['L', 'F', 'D', 'T', 'P', 'S', 'E']).optional(),
  PLACEMENT: z.string().max(64).optional(),
  PLACEMENT_OPTIONS: z.string().max(4096).optional(),
});
export type FrameOpenForm = z.infer<typeof frameOpenForm>;

/** Query string of the install/app handler: for display only (language), never for reaching a host. */
export const frameOpenQuery = z.object({
  LANG: z
    .string()
    .regex(/^[a-z]{2}$/i)
    .optional()
    .catch(undefined),
});

const eventAuth = z.object({
  access_token: token.optional(),
  refresh_token: token.optional(),
  expires: z.coerce.number().optional(),
  expires_in: z.coerce.number().optional(),
  scope: z.string().max(512).optional(),
  domain: z.string().max(255).optional(),
  server_endpoint: z.string().max(512).optional(),
  client_endpoint: z.string().max(512).optional(),
  status: z.string().max(4).optional(),
  member_id: z.string().trim().regex(MEMBER_ID, 'is not a Bitrix24 member_id'),
  user_id: z.coerce.number().int().nonnegative().optional(),
  application_token: token,
});

const flag = z.union([z.literal('0'), z.literal('1'), z.literal('Y'), z.literal('N')]).transform((v) => v === '1' || v === 'Y');

/** ONAPPINSTALL / ONAPPUNINSTALL, parsed from the form body with bracketed keys. */
export const appEvent = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('ONAPPINSTALL'),
    data: z.object({ VERSION: z.string().max(16).optional(), ACTIVE: z.string().max(4).optional(), INSTALLED: z.string().max(4).optional(), LANGUAGE_ID: z.string().max(8).optional() }).partial().default({}),
    ts: z.coerce.number().int().nonnegative().optional(),
    auth: eventAuth,
  }),
  z.object({
    event: z.literal('ONAPPUNINSTALL'),
    data: z.object({ CLEAN: flag.optional(), LANGUAGE_ID: z.string().max(8).optional() }).partial().default({}),
    ts: z.coerce.number().int().nonnegative().optional(),
    auth: eventAuth,
  }),
]);
export type AppEvent = z.infer<typeof appEvent>;

/** Bitrix24 sends event names in upper case; we accept any case and normalise before validating. */
export function normaliseEventName(body: unknown): unknown {
  if (body && typeof body === 'object' && 'event' in body && typeof (body as { event: unknown }).event === 'string') {
    return { ...body, event: (body as { event: string }).event.toUpperCase() };
  }
  return body;
}

/** One readable line for a 4xx answer: "member_id: is not a Bitrix24 member_id". */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
