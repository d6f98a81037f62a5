import { describe, expect, it } from 'vitest';
import { displayZone, offsetAt, zoneLabel, zonedFormat, type DisplayZone } from './timeZone';

const browser = (): DisplayZone => ({ name: 'Pacific/Honolulu', offsetSeconds: 0, source: 'browser' });
const WINTER = Date.UTC(2026, 0, 15, 4, 22);
const SUMMER = Date.UTC(2026, 6, 15, 4, 22);

describe("the admin's Bitrix24 time zone, from `profile`", () => {
  it('takes the user’s own zone by name, and else the offset the portal answers; never the browser’s when the portal answered', () => {
    expect(displayZone({ TIME_ZONE: 'Europe/Berlin', TIME_ZONE_OFFSET: 3600 }, browser)).toEqual({ name: 'Europe/Berlin', offsetSeconds: 3600, source: 'bitrix24' });
    expect(displayZone({ TIME_ZONE: '', TIME_ZONE_OFFSET: 10800 }, browser)).toEqual({ name: null, offsetSeconds: 10800, source: 'bitrix24' });
    // As PHP may print it (a string), and a zone this browser does not know: the offset.
    expect(displayZone({ TIME_ZONE: 'Mars/Olympus', TIME_ZONE_OFFSET: '-18000' }, browser)).toEqual({ name: null, offsetSeconds: -18000, source: 'bitrix24' });
    expect(displayZone({ TIME_ZONE: '', TIME_ZONE_OFFSET: 0 }, browser)).toEqual({ name: null, offsetSeconds: 0, source: 'bitrix24' });
  });

  it('falls back to the browser’s zone only when the portal said nothing usable', () => {
    expect(displayZone(undefined, browser)).toEqual(browser());
    expect(displayZone({ TIME_ZONE: '' }, browser)).toEqual(browser());
    expect(displayZone({ TIME_ZONE: '', TIME_ZONE_OFFSET: '' }, browser)).toEqual(browser());
    expect(displayZone({ TIME_ZONE_OFFSET: 999_999 }, browser)).toEqual(browser());
  });
});

describe('times in that zone', () => {
  const berlin: DisplayZone = { name: 'Europe/Berlin', offsetSeconds: 3600, source: 'bitrix24' };
  const moscowOffset: DisplayZone = { name: null, offsetSeconds: 3 * 3600, source: 'bitrix24' };
  const kathmandu: DisplayZone = { name: 'Asia/Kathmandu', offsetSeconds: 0, source: 'bitrix24' };

  it('by name: summer time right on each date', () => {
    expect([offsetAt(berlin, WINTER), offsetAt(berlin, SUMMER)]).toEqual([3600, 7200]);
    expect(zonedFormat(berlin, 'de').iso(WINTER)).toBe('2026-01-15T05:22+01:00');
    expect(zonedFormat(berlin, 'de').iso(SUMMER)).toBe('2026-07-15T06:22+02:00');
    expect(zonedFormat(berlin, 'de').time(SUMMER)).toBe('06:22');
    expect(zonedFormat(kathmandu, 'ru').time(WINTER)).toBe('10:07');
    expect(zoneLabel(berlin, SUMMER)).toBe('Europe/Berlin (UTC+02:00)');
    expect(zoneLabel(kathmandu, WINTER)).toBe('Asia/Kathmandu (UTC+05:45)');
  });

  it('by offset alone: the same offset on every date, labelled as such', () => {
    expect(zonedFormat(moscowOffset, 'ru').iso(WINTER)).toBe('2026-01-15T07:22+03:00');
    expect(zonedFormat(moscowOffset, 'ru').time(SUMMER)).toBe('07:22');
    expect(zonedFormat(moscowOffset, 'en').dateTime(WINTER)).toMatch(/^Jan 15, 2026, 7:22\sAM$/);
    expect(zoneLabel(moscowOffset, SUMMER)).toBe('UTC+03:00');
    expect(zoneLabel({ name: null, offsetSeconds: -9000, source: 'bitrix24' }, WINTER)).toBe('UTC-02:30');
  });

  it('a minute after midnight in the zone is on the zone’s date, not UTC’s', () => {
    const at = Date.UTC(2026, 2, 1, 21, 1);
    expect(zonedFormat(moscowOffset, 'de').iso(at)).toBe('2026-03-02T00:01+03:00');
    expect(zonedFormat(moscowOffset, 'de').dateTime(at)).toBe('02.03.2026, 00:01');
  });
});
