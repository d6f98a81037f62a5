import { createHash } from 'node:crypto';
import {
  JSON_HEX_AMP,
  JSON_HEX_APOS,
  JSON_HEX_QUOT,
  JSON_HEX_TAG,
  JSON_UNESCAPED_UNICODE,
  PhpFloat,
  phpJsonEncode,
  phpMbSubstr,
  phpStrlen,
  phpSubstrBytes,
  type PhpValue,
} from './phpJson.js';

/**
 * What a phone gets of one `pull.application.push.add`, by the core's own rules
 * (`avshatalov48/bitrix-core-business`):
 *
 * - `modules/pull/lib/rest.php` `applicationPushAdd`: `Push::add` with `message` = TEXT and
 *   `advanced_params` = {group: the app's client id, avatarUrl: AVATAR, senderName: the app's name,
 *   senderMessage: TEXT};
 * - `modules/pull/lib/event.php` (`preparePushParameters`, `executePushEvent`): `extra` =
 *   {server_time: date('c'), server_time_unix: microtime(true)} joins the advanced params; `params` is an
 *   empty array, which `classes/general/pull_push.php` (`prepareSend`) turns into the string "[]", and the
 *   badge is the user's mobile counter (the simulator has none: 0); `push/service/baseservice.php` adds
 *   `target` (an md5);
 * - `modules/pull/lib/push/message/basemessage.php` (`setFromArray`): with `senderMessage` present the
 *   message's own text is "", every advanced param becomes a custom property;
 * - iPhone, `push/message/applemessage.php`: body = senderMessage, title = senderName, both taken out of
 *   the custom properties; a payload over 2,048 bytes has its text cut with `substr` (bytes) to
 *   strlen(text) − overflow − 1 and is encoded again; a cut inside a character is invalid UTF-8, so
 *   `json_encode` answers false, the payload is "" and `getBatch` sends nothing to that iPhone;
 * - Android, `push/message/googlemessage.php`: the custom properties travel whole in `messageParams`
 *   (the text once, as senderMessage: `contentText` is ""); a payload over 4,096 bytes has senderMessage
 *   cut with `mb_substr` (whole characters), so Android shows a cut text. Which field the Bitrix24 app
 *   displays is not in the core: the simulator shows senderMessage, the only one holding the text.
 *
 * The simulator keeps TEXT as sent (`PushRecord.text`); this is what each device shows of it.
 */

/** applemessage.php `JSON_OPTIONS`; googlemessage.php passes the same flags. */
const CORE_JSON_FLAGS = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_UNICODE;
const APPLE_PAYLOAD_MAXIMUM_SIZE = 2048;
const GOOGLE_PAYLOAD_MAXIMUM_SIZE = 4096;
/** pull_push.php `AddQueue`: EXPIRY defaults to 43,200 s (Android's `time_to_live`). */
const DEFAULT_EXPIRY = 43_200;
/** An FCM registration token is about 160 characters; the simulator's phones have one of that length. */
const ANDROID_TOKEN_LENGTH = 163;

export interface PushedMessage {
  /** The app's registered name (senderName). */
  title: string;
  /** TEXT as the method received it (senderMessage). */
  text: string;
  /** AVATAR as received, '' when none. */
  avatar: string;
  /** The app's client id (`group`). */
  clientId: string;
  userId: number;
  memberId: string;
  /** Epoch ms (server_time, server_time_unix). */
  now: number;
}

/** What each device shows: the notification's text, or null when nothing arrives there. */
export interface DeviceTexts {
  ios: string | null;
  android: string | null;
}

export function deviceTexts(message: PushedMessage): DeviceTexts {
  return { ios: iphoneShows(message), android: androidShows(message) };
}

type Bytes = Uint8Array;
type Properties = Record<string, PhpValue>;

/** The custom properties `setFromArray` leaves on a message (ADVANCED_PARAMS in order, then `target`). */
function customProperties(message: PushedMessage): Properties {
  return {
    params: '[]',
    group: message.clientId,
    avatarUrl: message.avatar,
    senderName: message.title,
    senderMessage: message.text,
    extra: { server_time: phpDateC(message.now), server_time_unix: new PhpFloat(message.now / 1000) },
    target: createHash('md5').update(`${message.userId}${message.memberId}`).digest('hex'),
  };
}

/** basemessage.php `setText`: newlines become spaces. */
const setText = (text: Bytes): Bytes => Buffer.from(Buffer.from(text).toString('latin1').replaceAll('\n', ' '), 'latin1');

/** AppleMessage: `getPayload` as the core runs it, then the body the iPhone shows. */
export function iphoneShows(message: PushedMessage): string | null {
  const state: { text: Bytes | null; title: PhpValue; props: Properties; badge: number } = {
    text: Buffer.alloc(0),
    title: null,
    props: customProperties(message),
    badge: 0,
  };
  const alertData = (): Properties | null => {
    if ('senderMessage' in state.props) state.text = asBytes(state.props.senderMessage);
    delete state.props.senderMessage;
    state.title = 'senderName' in state.props ? state.props.senderName! : (state.title ?? '');
    delete state.props.senderName;
    return state.text !== null && state.text.length > 0 ? { body: state.text, title: state.title } : null;
  };
  const build = (): Properties => {
    const alert = alertData();
    const aps: Properties = alert ? { alert, 'mutable-content': 1 } : { 'content-available': 1 };
    aps.badge = state.badge;
    return { aps, ...state.props };
  };
  const getPayload = (depth: number): Bytes | false => {
    const encoded = phpJsonEncode(build(), CORE_JSON_FLAGS);
    // str_replace('"aps":[]', '"aps":{}', false) is "": a failed encoding is an empty payload.
    const payload = encoded === false ? Buffer.alloc(0) : encoded;
    if (payload.length <= APPLE_PAYLOAD_MAXIMUM_SIZE) return payload;
    if (depth > 8) return false;
    const text = state.text ?? Buffer.alloc(0);
    const maxTextLength = text.length - (payload.length - APPLE_PAYLOAD_MAXIMUM_SIZE);
    if (maxTextLength <= 0) return false;
    // while (strlen($text) > $nMaxTextLen) $text = substr($text, 0, --$nTextLen);
    let cut = text;
    let length = maxTextLength;
    while (cut.length > maxTextLength) cut = phpSubstrBytes(text, --length);
    state.text = setText(cut);
    return getPayload(depth + 1);
  };
  const payload = getPayload(0);
  // getBatch: `if (!$sPayload) return false;` — nothing goes to the device.
  if (payload === false || payload.length === 0) return null;
  const body = (JSON.parse(Buffer.from(payload).toString('utf8')) as { aps: { alert?: { body?: string } } }).aps.alert?.body;
  return body ?? null;
}

/** GoogleMessage: `getPayload`/`strippedPayload` as the core runs them, then the text Android shows. */
export function androidShows(message: PushedMessage): string | null {
  const props = customProperties(message);
  const token = createHash('sha256').update(`${message.memberId}:${message.userId}`).digest('hex').repeat(3).slice(0, ANDROID_TOKEN_LENGTH);
  const getPayload = (depth: number): Bytes | null => {
    const data = {
      data: { contentTitle: null, contentText: '', badge: 0, messageParams: props, category: null, sound: '' },
      time_to_live: DEFAULT_EXPIRY,
      priority: 'high',
      registration_ids: [token],
    };
    const encoded = phpJsonEncode(data, CORE_JSON_FLAGS);
    if (encoded === false) return null;
    if (encoded.length <= GOOGLE_PAYLOAD_MAXIMUM_SIZE) return encoded;
    if (depth > 8) return null;
    const text = asBytes(props.senderMessage);
    const maxTextLength = phpStrlen(text) - (encoded.length - GOOGLE_PAYLOAD_MAXIMUM_SIZE);
    // `return false` from a `: string` method: the payload is "" and nothing usable arrives.
    if (maxTextLength <= 0) return null;
    // while (strlen($text = mb_substr($text, 0, --$nTextLen)) > $maxTextLength);  (nTextLen counts characters)
    const prefixBytes = [0];
    for (const char of Buffer.from(text).toString('utf8')) prefixBytes.push(prefixBytes.at(-1)! + Buffer.byteLength(char, 'utf8'));
    const bytesOfFirst = (chars: number) => prefixBytes[Math.min(chars, prefixBytes.length - 1)]!;
    let length = maxTextLength;
    do --length;
    while (bytesOfFirst(length) > maxTextLength);
    props.senderMessage = phpMbSubstr(text, length);
    return getPayload(depth + 1);
  };
  const payload = getPayload(0);
  if (payload === null) return null;
  const params = (JSON.parse(Buffer.from(payload).toString('utf8')) as { data: { contentText: string; messageParams: { senderMessage?: string } } }).data;
  const shown = params.messageParams.senderMessage || params.contentText;
  return shown ? shown : null;
}

function asBytes(value: PhpValue | undefined): Bytes {
  if (value instanceof Uint8Array) return value;
  return Buffer.from(typeof value === 'string' ? value : '', 'utf8');
}

/** PHP's `date('c')` in UTC (the simulated portal's time zone): 2026-11-24T09:00:00+00:00. */
function phpDateC(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`;
}
