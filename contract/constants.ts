/**
 * The contract's plain values: limits and codes that both sides need at run time. No zod here, so the
 * client imports them without bundling the schemas (./sends.ts, ./audience.ts … are built from them).
 */

/** The notification's text, in Unicode code points (see ./sends.ts for why 1,000). */
export const TEXT_MAX_CHARS = 1_000;
export const AVATAR_MAX_CHARS = 512;

/** Explicit user ids per send. Larger audiences are chosen as departments, groups or everybody. */
export const MAX_EXPLICIT_USERS = 5_000;
export const MAX_DEPARTMENTS = 500;
export const MAX_GROUPS = 500;
export const MAX_ACCESS_CODES = 5_000;

/**
 * Access codes the app can send to: `U<id>` a user (`IU<id>`, the same user as an intranet employee), `D<id>` a
 * department's own members, `DR<id>` a department with its sub-departments, `SG<id>` a workgroup's members
 * (`SG<id>_K` members, `_E` moderators and the owner, `_A` the owner: the role suffixes are UNCONFIRMED for
 * selectAccess, so both spellings are taken), `AU` all authorised users (for this app: all active employees).
 */
export const ACCESS_CODE = /^(?:AU|I?U[1-9]\d{0,9}|DR?[1-9]\d{0,9}|SG[1-9]\d{0,9}(?:_[AEK])?)$/;

/** How soon at the earliest a send may be scheduled; at the latest it is a calendar year ahead (latestSendAt). */
export const SCHEDULE_MIN_AHEAD_MS = 60_000;

/** The same moment one calendar year later (29 February -> 1 March): the latest a send may be scheduled. */
export function latestSendAt(now: number): number {
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + 1);
  return limit.getTime();
}

/** The recipient search's query, in characters. */
export const SEARCH_MAX_CHARS = 100;

/** A send's life: queued (or scheduled) -> sending -> one of FINAL_SEND_STATUSES. */
export const SEND_STATUSES = ['queued', 'scheduled', 'sending', 'sent', 'partly_failed', 'failed', 'cancelled'] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];
/** Statuses a send never leaves: the client stops following it there. */
export const FINAL_SEND_STATUSES: readonly SendStatus[] = ['sent', 'partly_failed', 'failed', 'cancelled'];
