import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STABLE_EMPLOYEE_ID } from './directory.js';
import { JSON_HEX_AMP, JSON_HEX_APOS, JSON_HEX_QUOT, JSON_HEX_TAG, JSON_UNESCAPED_UNICODE, PhpFloat, phpJsonEncode } from './phpJson.js';
import { androidShows, deviceTexts, iphoneShows, type PushedMessage } from './pushDevices.js';
import type { SimPortalImpl } from './portal.js';
import type { SimulatorImpl } from './simulator.js';
import { TEST_APP, rest, startTestSimulator } from './testSupport.js';

const CORE = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_UNICODE;
const text = (bytes: Uint8Array | false) => (bytes === false ? false : Buffer.from(bytes).toString('utf8'));

describe("PHP's json_encode (the core's flags)", () => {
  it('escapes as PHP does: slashes, the HEX_ flags, line terminators; Unicode left as UTF-8', () => {
    expect(text(phpJsonEncode({ a: `"'<>&/\\\n\u0001\u2028я😀` }, CORE))).toBe('{"a":"\\u0022\\u0027\\u003C\\u003E\\u0026\\/\\\\\\n\\u0001\\u2028я😀"}');
    expect(text(phpJsonEncode(['я', '😀']))).toBe('["\\u044f","\\ud83d\\ude00"]');
  });

  it('answers false for a string cut inside a character (invalid UTF-8), as json_encode does', () => {
    const cut = Buffer.from('Привет', 'utf8').subarray(0, 3);
    expect(phpJsonEncode({ body: cut }, CORE)).toBe(false);
    expect(text(phpJsonEncode({ body: Buffer.from('Привет', 'utf8').subarray(0, 4) }, CORE))).toBe('{"body":"Пр"}');
  });

  it('prints PHP arrays and floats as PHP does: an empty array is [], a whole float keeps .0', () => {
    expect(text(phpJsonEncode({ a: {}, b: [], c: new PhpFloat(1795510800), d: new PhpFloat(1795510800.25), e: null, f: true, g: 7 }))).toBe(
      '{"a":[],"b":[],"c":1795510800.0,"d":1795510800.25,"e":null,"f":true,"g":7}',
    );
  });
});

const message = (overrides: Partial<PushedMessage>): PushedMessage => ({
  title: 'Team Push',
  text: 'Hello',
  avatar: '',
  clientId: 'local.teampush.test',
  userId: 7,
  memberId: 'a'.repeat(32),
  now: Date.UTC(2026, 10, 24, 9),
  ...overrides,
});

describe('what each device shows (the core: applemessage.php, googlemessage.php)', () => {
  it('under the budget both get the text whole (newlines kept in the body)', () => {
    const whole = 'Lunch is ready\nin the canteen: «борщ» & "kompot" <3 — 😀';
    expect(deviceTexts(message({ text: whole }))).toEqual({ ios: whole, android: whole });
  });

  it('an ASCII text over the iPhone budget is cut there byte-wise (newlines become spaces); Android gets it whole', () => {
    const long = `Line one\n${'x'.repeat(3000)}`;
    const ios = iphoneShows(message({ text: long }));
    expect(ios).not.toBeNull();
    expect(ios!.length).toBeLessThan(2048);
    expect(ios!.startsWith('Line one x')).toBe(true);
    expect(long.replace('\n', ' ').startsWith(ios!)).toBe(true);
    expect(androidShows(message({ text: long }))).toBe(long);
  });

  it('a Cyrillic text whose cut splits a letter reaches no iPhone at all; one whose cut falls between letters shows the cut text', () => {
    // The cut lands at 2047 − (the payload without the text) bytes: one title character more moves it by one byte.
    const cyrillic = 'я'.repeat(1500);
    const outcomes = ['Team Push', 'Team Push!'].map((title) => iphoneShows(message({ title, text: cyrillic })));
    expect(outcomes.filter((shown) => shown === null)).toHaveLength(1);
    const shown = outcomes.find((value) => value !== null)!;
    expect(cyrillic.startsWith(shown)).toBe(true);
    expect(Buffer.byteLength(shown)).toBeLessThan(2048 - 200);
  });

  it('Android cuts a text over 4,096 bytes by whole characters: a Cyrillic text too long for both is nothing on iPhone, cut on Android', () => {
    for (const title of ['Team Push', 'Team Push!']) {
      const cyrillic = 'ж'.repeat(2500);
      const android = androidShows(message({ title, text: cyrillic }));
      expect(android).not.toBeNull();
      expect(android!.length).toBeLessThan(2048);
      expect(android!.length).toBeGreaterThan(1700);
      expect(cyrillic.startsWith(android!)).toBe(true);
    }
    const splitOnIphone = ['Team Push', 'Team Push!'].map((title) => message({ title, text: 'ж'.repeat(2500) })).find((m) => iphoneShows(m) === null)!;
    expect(deviceTexts(splitOnIphone).ios).toBeNull();
    expect(deviceTexts(splitOnIphone).android).toMatch(/^ж+$/);
  });

  it('the overflow is counted in JSON bytes but cut in raw bytes: an escaped text loses more, or everything', () => {
    // 320 ampersands are 1,920 bytes in the payload (\u0026 each): cut to fewer ampersands than the overflow needed.
    const shown = iphoneShows(message({ text: '&'.repeat(320) }));
    expect(shown).toMatch(/^&+$/);
    expect(shown!.length).toBeLessThan(320 - 100);
    // 400 are 2,400 bytes: the overflow is more than the text's 400 raw bytes, so getPayload gives up (false).
    expect(iphoneShows(message({ text: '&'.repeat(400) }))).toBeNull();
    expect(androidShows(message({ text: '&'.repeat(400) }))).toBe('&'.repeat(400));
  });
});

describe('pull.application.push.add records what each device shows', () => {
  let sim: SimulatorImpl;
  let portal: SimPortalImpl;
  let admin: string;

  beforeAll(async () => {
    ({ sim } = await startTestSimulator({ portals: [{ users: 30, preinstalled: true }] }));
    portal = sim.portal();
    admin = portal.issueTokens(1).access_token;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('keeps the text as sent, beside the iPhone and Android variants (null: nothing arrived)', async () => {
    const short = 'Fire drill at 15:00';
    const long = 'ё'.repeat(1500);
    const splitting = ['Team Push', 'Team Push!'].find((title) => iphoneShows(message({ title, text: long, clientId: TEST_APP.clientId })) === null)!;
    portal.setAppName(splitting);
    const before = portal.pushes.length;
    for (const TEXT of [short, long]) expect((await rest(portal, 'pull.application.push.add', { USER_ID: [1, STABLE_EMPLOYEE_ID], TEXT }, admin)).body.result).toBe(true);
    const added = portal.pushes.slice(before);
    expect(added.map((push) => [push.userId, push.text === long ? 'long' : push.text, push.devices.ios === null ? null : push.devices.ios === push.text, push.devices.android === push.text])).toEqual([
      [1, short, true, true],
      [STABLE_EMPLOYEE_ID, short, true, true],
      [1, 'long', null, true],
      [STABLE_EMPLOYEE_ID, 'long', null, true],
    ]);
  });
});
