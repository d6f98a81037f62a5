import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Ids of sends and chunks, and the hash that ties an idempotency key to one message. */

/**
 * UUIDv7-style ids: time-ordered, with a counter within one millisecond, so history pages (created_at,
 * id) list sends of the same millisecond in the order this process created them.
 */
export function timeOrderedIdFactory(now: () => number): () => string {
  let lastMs = -1;
  let seq = 0;
  // UUIDv7 (the uuid package) with the injected clock; its 32-bit sequence keeps ids in order within a millisecond.
  return () => {
    const ms = Math.max(now(), lastMs);
    seq = ms === lastMs ? seq + 1 : 0;
    lastMs = ms;
    return uuidv7({ msecs: ms, seq });
  };
}

/** The parts of a send request its idempotency key stands for. */
export interface HashedRequest {
  text: string;
  avatar?: string | null;
  audience?: unknown;
  testToSelf?: boolean;
  sendAt?: number | null;
}

/** The hash of what a request asks to send: the same idempotency key with a different hash is a conflict. */
export function requestHash(request: HashedRequest): string {
  const content = {
    text: request.text,
    avatar: request.avatar ?? null,
    audience: request.testToSelf ? null : (request.audience ?? null),
    testToSelf: Boolean(request.testToSelf),
    ...(request.sendAt ? { sendAt: request.sendAt } : {}),
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}
