import fc from 'fast-check';
import { DateTime as RealDateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from '../../client/platformShims/luxon.js';
import { FrameBuildUnsupportedError } from '../../client/platformShims/unsupported.js';

/**
 * The frame build's luxon (client/platformShims/luxon.ts) side by side with the real luxon, for what the SDK asks of
 * it (abstract-formatter.mjs, text.mjs): `fromJSDate`, `now`, `toSeconds`, `toFormat` with the SDK's patterns, in
 * several system time zones (whole, half and quarter hours off UTC, east and west, with and without summer time).
 */

const SDK_FORMATS = [
  'yyyy-MM-dd HH:mm:ss', // Text.getDateForLog, LineFormatter's default "YYYY-MM-DD HH:mm:ss" rewritten
  "yyyy-MM-dd'T'HH:mm:ssZZ", // Text.toB24Format
  'dd.MM.yy H:m:s', // a LineFormatter pattern "DD.MM.YY H:m:s" rewritten
  "d/M/yyyy 'at' HH:mm:ss.SSS ''ZZ''",
];

const ZONES: Array<[zone: string, januaryOffsetMinutes: number]> = [
  ['UTC', 0],
  ['Europe/Moscow', 180],
  ['Asia/Kolkata', 330],
  ['Asia/Kathmandu', 345],
  ['America/St_Johns', -210],
  ['America/Los_Angeles', -480],
  ['Pacific/Chatham', 825],
];

const originalZone = process.env.TZ;
afterEach(() => {
  if (originalZone === undefined) delete process.env.TZ;
  else process.env.TZ = originalZone;
});

const dates = fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2100, 11, 31)), noInvalidDate: true });

describe('the frame build luxon', () => {
  it.each(ZONES)('formats and counts seconds as luxon does in %s', (zone, januaryOffset) => {
    process.env.TZ = zone;
    // The runtime follows TZ (else this test would compare two things in one zone only).
    expect(0 - new Date(Date.UTC(2026, 0, 15)).getTimezoneOffset()).toBe(januaryOffset);
    fc.assert(
      fc.property(dates, fc.constantFrom(...SDK_FORMATS), (date, format) => {
        expect(DateTime.fromJSDate(date).toFormat(format)).toBe(RealDateTime.fromJSDate(date).toFormat(format));
        expect(DateTime.fromJSDate(date).toSeconds()).toBe(RealDateTime.fromJSDate(date).toSeconds());
      }),
      { numRuns: 300 },
    );
  });

  it('answers an invalid date as luxon does', () => {
    const invalid = new Date(Number.NaN);
    expect(DateTime.fromJSDate(invalid).isValid).toBe(false);
    expect(DateTime.fromJSDate(invalid).toFormat('yyyy-MM-dd')).toBe(RealDateTime.fromJSDate(invalid).toFormat('yyyy-MM-dd'));
    expect(DateTime.fromJSDate(invalid).toSeconds()).toBeNaN();
    expect(RealDateTime.fromJSDate(invalid).toSeconds()).toBeNaN();
  });

  it('now() is the current instant', () => {
    const before = Date.now() / 1000;
    const now = DateTime.now().toSeconds();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('throws "not supported in the frame build" for parsing, zone options and format tokens the SDK does not use', () => {
    expect(() => DateTime.fromISO()).toThrow(FrameBuildUnsupportedError);
    expect(() => DateTime.fromFormat()).toThrow(/luxon: DateTime.fromFormat\(\) is not supported in the frame build/);
    expect(() => DateTime.fromJSDate(new Date(), { zone: 'utc' })).toThrow(FrameBuildUnsupportedError);
    expect(() => DateTime.now().toFormat('LLL d')).toThrow(/the format token "LLL"/);
    expect(DateTime.now().toFormat("'LLL' - :")).toBe('LLL - :');
  });
});
