import type { DeliveredEvent } from './contract.js';

/**
 * Flattens nested data into PHP-style bracketed form fields: {auth: {member_id: 'x'}} -> auth[member_id]=x.
 * This is how Bitrix24 POSTs events (application/x-www-form-urlencoded).
 */
export function bracketFields(data: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object') Object.assign(out, bracketFields(value as Record<string, unknown>, name));
    else out[name] = value === null ? '' : typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return out;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The simulator never calls anything but this machine. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && LOOPBACK_HOSTS.has(parsed.hostname);
  } catch {
    return false;
  }
}

/** One POST, no retry (Bitrix24 does not retry events). Returns the handler's status or 0. */
export async function postEvent(handler: string, fields: Record<string, string>, timeoutMs = 10_000): Promise<number> {
  if (!isLoopbackUrl(handler)) return 0;
  try {
    const response = await fetch(handler, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'Bitrix24 Webhook Engine' },
      body: new URLSearchParams(fields).toString(),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  } catch {
    return 0;
  }
}

export type EventName = DeliveredEvent['event'];
