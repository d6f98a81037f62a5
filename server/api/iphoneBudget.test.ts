import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_CLIENT_ID, startStack, type Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { iphoneShows } from '../../simulator/pushDevices.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { createSendStore } from '../storage/sendStore.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';
import type { SendView } from './sendRoutes.js';

/**
 * Issue 19, item 1: a text over the iPhone payload cap is never handed to Bitrix24 as it is (the core
 * would cut it byte by byte, and a cut inside a letter reaches no iPhone). `POST /api/sends` refuses it
 * (400 TEXT_TOO_LONG_FOR_IPHONE, translated, with the text it would send) unless `shortenForIphone: true`,
 * which sends and records the shortened text; the simulator's iPhone (the core's rules) shows it whole.
 */
/** The stack's registered app name: the push title. */
const APP_NAME = 'Team Push';

forEachDatabase('iPhone payload budget', (getDb) => {
  let stack: Stack;
  let portal: SimPortal;
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 9));

  beforeAll(async () => {
    stack = await startStack({ appName: APP_NAME, pages: fixtureClientPages(), databaseUrl: getDb().url, clock, portals: [{ label: 'p', users: 30 }], sends: { scheduler: false, recoverAtStart: false } });
    portal = stack.sim.portal('p');
    expect(await postInstall(portal)).toBe(200);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const admin = () => firstAdmin(portal);
  const headers = (language = 'en') => ({
    Authorization: `Bearer ${portal.issueTokens(admin().id).access_token}`,
    [MEMBER_ID_HEADER]: portal.memberId,
    'Accept-Language': language,
    'Content-Type': 'application/json',
  });
  const post = async (path: string, body: unknown, language?: string) => {
    const response = await fetch(`${stack.appUrl}/api${path}`, { method: 'POST', headers: headers(language), body: JSON.stringify(body) });
    return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as Answer };
  };
  interface Answer {
    error?: string;
    message?: string;
    field?: string;
    iphoneText?: string | null;
    textShortened?: boolean;
    send: SendView;
    fit: { ios: { fits: boolean; shown: string | null } };
  }
  const recipients = () => portal.directory.users.filter((user) => isRecipient(user) && user.pushEnabled).slice(0, 3).map((user) => user.id);
  const pushesOf = (text: string) => portal.pushes.filter((push) => push.text === text);

  /** A long Russian announcement which, sent as it is, the core would cut inside a letter: no iPhone would get it. */
  function splitByTheCore(): string {
    const body = 'Уважаемые коллеги, в субботу плановые работы в серверной, почта будет недоступна. '.repeat(12).trim();
    const splitting = ['Внимание! ', 'Внимание!! '].map((head) => head + body).find((text) => iphoneShows({ title: APP_NAME, text, avatar: '', clientId: TEST_CLIENT_ID, userId: admin().id, memberId: portal.memberId, now: clock.now() }) === null);
    expect(splitting).toBeDefined();
    return splitting!;
  }

  it('message/check says what an iPhone will show: the text when it fits, the shortened text when not', async () => {
    const short = await post('/message/check', { text: 'Lunch is ready' });
    expect(short.body.fit.ios).toMatchObject({ fits: true, shown: 'Lunch is ready' });
    const text = splitByTheCore();
    const long = await post('/message/check', { text });
    expect(long.body.fit.ios.fits).toBe(false);
    expect(long.body.fit.ios.shown!.endsWith('…')).toBe(true);
    expect(text.startsWith(long.body.fit.ios.shown!.slice(0, -1))).toBe(true);
  });

  it('a text too long for iPhones is refused with a translated reason and the text it would send; nothing is recorded or pushed', async () => {
    const text = splitByTheCore();
    const { body: check } = await post('/message/check', { text });
    portal.resetCounters();
    const messages = new Set<string>();
    for (const language of ['en', 'ru', 'de']) {
      const refused = await post('/sends', { idempotencyKey: randomUUID(), text, audience: { users: recipients() } }, language);
      expect([refused.status, refused.body.error, refused.body.field]).toEqual([400, 'TEXT_TOO_LONG_FOR_IPHONE', 'text']);
      expect(refused.body.iphoneText).toBe(check.fit.ios.shown);
      expect(refused.body.fit.ios.fits).toBe(false);
      messages.add(refused.body.message!);
    }
    expect([...messages].map((message) => /iPhone/.test(message))).toEqual([true, true, true]);
    expect(messages.size).toBe(3);
    expect(portal.counters()['pull.application.push.add'] ?? 0).toBe(0);
    expect(pushesOf(text)).toEqual([]);
    expect((await createSendStore(stack.database).listSends(portal.memberId, { limit: 50 })).sends.filter((send) => send.text.startsWith('Внимание'))).toEqual([]);
  });

  it('with shortenForIphone the shortened text is sent, recorded and answered; every iPhone shows it whole; a replay answers the same send', async () => {
    const text = splitByTheCore();
    const idempotencyKey = randomUUID();
    const targets = recipients();
    const sent = await post('/sends', { idempotencyKey, text, audience: { users: targets }, shortenForIphone: true });
    expect(sent.status).toBe(201);
    expect(sent.body.textShortened).toBe(true);
    const shortened = sent.body.send.text;
    expect(shortened.endsWith('…')).toBe(true);
    expect(text.startsWith(shortened.slice(0, -1))).toBe(true);
    expect(sent.body.fit.ios).toMatchObject({ fits: true, shown: shortened });
    expect(sent.body.send).toMatchObject({ status: 'sent', acceptedCount: targets.length });

    const pushes = pushesOf(shortened);
    expect(pushes.map((push) => push.userId).sort((a, b) => a - b)).toEqual([...targets].sort((a, b) => a - b));
    for (const push of pushes) expect(push.devices).toEqual({ ios: shortened, android: shortened });
    expect(pushesOf(text)).toEqual([]);

    const stored = await fetch(`${stack.appUrl}/api/sends/${sent.body.send.id}`, { headers: headers() });
    expect(((await stored.json()) as { send: SendView }).send.text).toBe(shortened);

    const replay = await post('/sends', { idempotencyKey, text, audience: { users: targets }, shortenForIphone: true });
    expect([replay.status, replay.replayed, replay.body.send.id, replay.body.textShortened, replay.body.send.text]).toEqual([200, 'true', sent.body.send.id, true, shortened]);
    const unflagged = await post('/sends', { idempotencyKey, text, audience: { users: targets } });
    expect([unflagged.status, unflagged.body.error]).toEqual([400, 'TEXT_TOO_LONG_FOR_IPHONE']);
    expect(pushesOf(shortened)).toHaveLength(targets.length);
  });

  it('a text that fits is never changed, even when asked to shorten', async () => {
    const sent = await post('/sends', { idempotencyKey: randomUUID(), text: 'Всё в порядке: короткий текст.', testToSelf: true, shortenForIphone: true });
    expect([sent.status, sent.body.textShortened, sent.body.send.text]).toEqual([201, false, 'Всё в порядке: короткий текст.']);
    expect(pushesOf('Всё в порядке: короткий текст.').map((push) => push.devices.ios)).toEqual(['Всё в порядке: короткий текст.']);
  });

  it('a scheduled send stores the shortened text', async () => {
    const text = splitByTheCore().replace('коллеги', 'друзья');
    const sendAt = new Date(clock.now() + 3_600_000).toISOString();
    const scheduled = await post('/sends', { idempotencyKey: randomUUID(), text, audience: { users: recipients() }, sendAt, shortenForIphone: true });
    expect([scheduled.status, scheduled.body.send.status, scheduled.body.textShortened]).toEqual([201, 'scheduled', true]);
    const stored = await createSendStore(stack.database).getSend(portal.memberId, scheduled.body.send.id);
    expect(stored?.text).toBe(scheduled.body.send.text);
    expect(stored!.text.endsWith('…')).toBe(true);
    expect(iphoneShows({ title: APP_NAME, text: stored!.text, avatar: '', clientId: TEST_CLIENT_ID, userId: admin().id, memberId: portal.memberId, now: clock.now() })).toBe(stored!.text);
  });

  it('the refusal and the shortened send match the OpenAPI document generated from the contract', async () => {
    const document = (await (await fetch(`${stack.appUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content: { 'application/json': { schema: object } } }> }>>; components: { schemas: Record<string, object> } };
    const validatorFor = (status: string) => {
      const schema = JSON.parse(JSON.stringify({ ...document.paths['/sends']!.post!.responses[status]!.content['application/json'].schema, $defs: document.components.schemas }).replaceAll('"#/components/schemas/', '"#/$defs/')) as object;
      return new Ajv2020({ strict: true, allowUnionTypes: true }).compile(schema);
    };
    const text = splitByTheCore();
    const refused = await post('/sends', { idempotencyKey: randomUUID(), text, testToSelf: true });
    const sent = await post('/sends', { idempotencyKey: randomUUID(), text, testToSelf: true, shortenForIphone: true });
    expect([refused.status, sent.status]).toEqual([400, 201]);
    const [refusal, created] = [validatorFor('400'), validatorFor('201')];
    expect(refusal(refused.body) ? [] : refusal.errors).toEqual([]);
    expect(created(sent.body) ? [] : created.errors).toEqual([]);
  });

  it('an image URL that leaves no room for any text on an iPhone is refused, shortening or not', async () => {
    const avatar = `https://img.example/?${'&'.repeat(290)}`;
    for (const shortenForIphone of [false, true]) {
      const refused = await post('/sends', { idempotencyKey: randomUUID(), text: 'Hello', avatar, testToSelf: true, shortenForIphone }, 'de');
      expect([refused.status, refused.body.error, refused.body.field, refused.body.iphoneText]).toEqual([400, 'AVATAR_TOO_LONG_FOR_IPHONE', 'avatar', null]);
      expect(refused.body.message).toContain('Bild-URL');
    }
  });
});
