import type { Profile } from './profile';

/**
 * The time zone the admin's times are shown in: their Bitrix24 one, as the portal's `profile` answers it
 * (decision 0010, fact 34). The core answers TIME_ZONE, the user's own zone by IANA name ('' when they
 * have none: then the portal's default zone applies, or the browser's when it follows the browser), and
 * TIME_ZONE_OFFSET, the seconds east of UTC of whichever zone applies, now. So a name is used when there is
 * one (summer time right on every date); otherwise the offset, as it is now, for every date (a date on the
 * other side of a summer-time change is then an hour off: Bitrix24 tells no more). Only when the portal
 * answered neither is it the browser's zone, and the label says so.
 */
export interface DisplayZone {
  /** An IANA zone name this browser knows; null: a fixed offset. */
  name: string | null;
  /** Seconds east of UTC, used when there is no name. */
  offsetSeconds: number;
  source: 'bitrix24' | 'browser';
}

function knownZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function browserZone(): DisplayZone {
  return { name: new Intl.DateTimeFormat().resolvedOptions().timeZone, offsetSeconds: 0, source: 'browser' };
}

/** The zone from a `profile` answer; the browser's when there is no answer or it says nothing usable. */
export function displayZone(profile: Pick<Profile, 'TIME_ZONE' | 'TIME_ZONE_OFFSET'> | null | undefined, fallback: () => DisplayZone = browserZone): DisplayZone {
  const offset = typeof profile?.TIME_ZONE_OFFSET === 'number' || typeof profile?.TIME_ZONE_OFFSET === 'string' ? Number(profile.TIME_ZONE_OFFSET) : Number.NaN;
  const validOffset = profile?.TIME_ZONE_OFFSET !== '' && Number.isInteger(offset) && Math.abs(offset) <= 18 * 3600;
  const name = typeof profile?.TIME_ZONE === 'string' ? profile.TIME_ZONE.trim() : '';
  if (name && knownZone(name)) return { name, offsetSeconds: validOffset ? offset : 0, source: 'bitrix24' };
  if (validOffset) return { name: null, offsetSeconds: offset, source: 'bitrix24' };
  return fallback();
}

/** "+05:45" for 20700 seconds. */
function offsetText(seconds: number): string {
  const minutes = Math.round(Math.abs(seconds) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${seconds < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Seconds east of UTC of the zone at `at`. */
export function offsetAt(zone: DisplayZone, at: number): number {
  if (!zone.name) return zone.offsetSeconds;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone.name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(at / 1000) * 1000) / 60_000) * 60;
}

/** How the zone is named to the admin: "Europe/Berlin (UTC+02:00)", or "UTC+03:00" for an offset alone. */
export function zoneLabel(zone: DisplayZone, at: number): string {
  const utc = `UTC${offsetText(offsetAt(zone, at))}`;
  return zone.name ? `${zone.name} (${utc})` : utc;
}

export interface ZonedFormat {
  /** Date and time in the UI's language ("21 Aug 2026, 07:22"). */
  dateTime(at: number): string;
  /** Time only ("07:22"). */
  time(at: number): string;
  /** ISO 8601 wall time in the zone with its offset ("2026-08-21T07:22+05:45"), for <time dateTime>. */
  iso(at: number): string;
}

/** Formats epoch milliseconds in the zone: by name through Intl, or as a fixed offset (shifted, shown as UTC). */
export function zonedFormat(zone: DisplayZone, language: string): ZonedFormat {
  const timeZone = zone.name ?? 'UTC';
  const shift = (at: number) => (zone.name ? at : at + zone.offsetSeconds * 1000);
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const time = new Intl.DateTimeFormat(language, { timeStyle: 'short', timeZone });
  return {
    dateTime: (at) => dateTime.format(shift(at)),
    time: (at) => time.format(shift(at)),
    iso(at) {
      const offset = offsetAt(zone, at);
      return `${new Date(at + offset * 1000).toISOString().slice(0, 16)}${offsetText(offset)}`;
    },
  };
}
