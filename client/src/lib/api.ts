import { useMemo } from 'react';
import type { B24Frame } from '@bitrix24/b24jssdk';
import type { ErrorAnswer } from './contract';
import { callRest } from './frame';
import { useFrame } from './frameContext';
import { errorText, useI18n } from './i18n';

/**
 * The one client of our backend's /api/. Each call carries the frame's current Bitrix24 token and
 * member_id in headers (no cookies inside the iframe); an expired token is renewed through the portal
 * (refreshAuth) and the call is tried once more. A refusal becomes an ApiError whose message is the
 * frame's own text for its code, in the UI's language and naming the field (`describe`).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The answer's stable code (`error`); `HTTP_<status>` when the answer had none. */
    readonly code: string,
    message: string,
    /** The request field the refusal names (`field`, a dotted path). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The frame's text for a refusal's code and field; null to keep the server's `message`. */
export type DescribeRefusal = (code: string, field: string | undefined) => string | null;

type FrameAuth = { access_token: string; member_id: string };

async function currentAuth(frame: B24Frame, renew: boolean, describe?: DescribeRefusal): Promise<FrameAuth> {
  const auth = renew ? await frame.auth.refreshAuth() : frame.auth.getAuthData() || (await frame.auth.refreshAuth());
  if (!auth) throw new ApiError(401, 'AUTH_REQUIRED', describe?.('AUTH_REQUIRED', undefined) ?? 'Bitrix24 gave no authorization');
  return auth;
}

/** API paths resolve beside the page, so a PUBLIC_URL with a path prefix keeps working. */
export function apiUrl(path: string, base: string = window.location.href): string {
  return new URL(`api/${path.replace(/^\/+/, '')}`, new URL('.', base)).href;
}

type ExchangeInit = { method?: string; body?: unknown; signal?: AbortSignal; language?: string; describe?: DescribeRefusal };

export async function apiRequest<T>(frame: B24Frame, path: string, init: ExchangeInit = {}): Promise<T> {
  return (await apiExchange<T>(frame, path, init)).body;
}

/** An answer's body with its headers (e.g. `Idempotent-Replayed` on `POST sends`). */
export interface Exchange<T> {
  body: T;
  headers: Headers;
}

export async function apiExchange<T>(frame: B24Frame, path: string, init: ExchangeInit = {}): Promise<Exchange<T>> {
  for (let attempt = 0; ; attempt += 1) {
    const auth = await currentAuth(frame, attempt > 0, init.describe);
    const response = await fetch(apiUrl(path), {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${auth.access_token}`,
        'X-B24-Member-Id': auth.member_id,
        ...(init.language ? { 'Accept-Language': init.language } : {}),
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
      credentials: 'omit',
    });
    const payload = (await response.json().catch(() => null)) as Partial<ErrorAnswer> | null;
    if (response.ok) return { body: payload as T, headers: response.headers };
    const code = payload?.error ?? `HTTP_${response.status}`;
    if (response.status === 401 && code === 'TOKEN_EXPIRED' && attempt === 0) continue;
    const field = typeof payload?.field === 'string' ? payload.field : undefined;
    throw new ApiError(response.status, code, init.describe?.(code, field) ?? payload?.message ?? response.statusText, field);
  }
}

type RequestInit = { method?: string; body?: unknown; signal?: AbortSignal };

/**
 * The API as the query-options factories see it: our backend (`request`) and the portal's REST
 * through the frame (`rest`), bound to one frame and the UI's language. `useApi()` gives the
 * components' one; factories take it as their first argument.
 */
export interface Api {
  request<T>(path: string, init?: RequestInit): Promise<T>;
  /** `request`, with the answer's headers. */
  exchange<T>(path: string, init?: RequestInit): Promise<Exchange<T>>;
  rest<T>(method: string, params?: Record<string, unknown>): Promise<T>;
}

export function boundApi(frame: B24Frame, language: string, describe?: DescribeRefusal): Api {
  return {
    request: (path, init = {}) => apiRequest(frame, path, { ...init, language, describe }),
    exchange: (path, init = {}) => apiExchange(frame, path, { ...init, language, describe }),
    rest: (method, params) => callRest(frame, method, params),
  };
}

/** The one way components reach the API: the frame's, in the UI's language (Accept-Language), refusals worded from its catalogue. */
export function useApi(): Api {
  const frame = useFrame();
  const { language, t } = useI18n();
  return useMemo(() => boundApi(frame, language, (code, field) => errorText(t, code, field)), [frame, language, t]);
}
