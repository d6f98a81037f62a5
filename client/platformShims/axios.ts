import { FrameBuildUnsupportedError } from './unsupported.js';

/**
 * `axios` in the frame build (vite.config.ts aliases the package here; decision 0012), over `fetch`.
 *
 * @bitrix24/b24jssdk 2.2.0 reaches axios in the frame through one module, core/http/abstract-http.mjs (HttpV2 and
 * HttpV3: callMethod, callBatch, actions.v2/v3 call and batch, with their 401 → refreshAuth retry). It calls
 * `axios.create({ timeout, timeoutErrorMessage, headers })` and `instance.post(url, params)`, reads
 * `response.status` / `response.data`, and on failure reads `instanceof AxiosError`, `code` (`ERR_NETWORK`,
 * `ECONNABORTED`), `message`, `status`, `response.status` and `response.data`. This module does exactly that the way
 * axios's browser (XHR) adapter does: JSON body, `Accept` and `Content-Type` as axios sends them, a 2xx resolves,
 * anything else rejects with axios's message and code, the body (of errors too) parsed as JSON when it is JSON.
 * Anything else (other methods, interceptors, config options such as `baseURL`, non-JSON bodies) throws a
 * FrameBuildUnsupportedError instead of behaving differently from axios. (oauth/auth.mjs, B24OAuth, also imports
 * axios with a `baseURL`: it is server-side and not in the frame bundle.)
 */

const LIBRARY = 'axios';
const ACCEPT = 'application/json, text/plain, */*';
const SUPPORTED_OPTIONS = new Set(['timeout', 'timeoutErrorMessage', 'headers']);

export interface AxiosConfig {
  timeout?: number;
  timeoutErrorMessage?: string;
  headers?: Record<string, string | undefined>;
}

export interface AxiosRequestConfig extends AxiosConfig {
  method: 'post';
  url: string;
  data: unknown;
}

export interface AxiosResponse<T = unknown> {
  data: T;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  config: AxiosRequestConfig;
}

export class AxiosError<T = unknown> extends Error {
  static readonly ERR_BAD_REQUEST = 'ERR_BAD_REQUEST';
  static readonly ERR_BAD_RESPONSE = 'ERR_BAD_RESPONSE';
  static readonly ERR_NETWORK = 'ERR_NETWORK';
  static readonly ECONNABORTED = 'ECONNABORTED';

  readonly isAxiosError = true;
  code?: string;
  config?: AxiosRequestConfig;
  response?: AxiosResponse<T>;
  status?: number;

  constructor(message: string, code?: string, config?: AxiosRequestConfig, _request?: unknown, response?: AxiosResponse<T>) {
    super(message);
    // axios keeps `message` enumerable (spreads and loggers see it).
    Object.defineProperty(this, 'message', { value: message, enumerable: true, writable: true, configurable: true });
    this.name = 'AxiosError';
    if (code) this.code = code;
    if (config) this.config = config;
    if (response) {
      this.response = response;
      this.status = response.status;
    }
  }

  toJSON() {
    return { message: this.message, name: this.name, stack: this.stack, config: this.config, code: this.code, status: this.status };
  }
}

export function isAxiosError(payload: unknown): payload is AxiosError {
  return typeof payload === 'object' && payload !== null && (payload as { isAxiosError?: unknown }).isAxiosError === true;
}

function unsupported(what: string): never {
  throw new FrameBuildUnsupportedError(LIBRARY, what);
}

function isJsonBody(data: unknown): data is object {
  if (Array.isArray(data)) return true;
  if (typeof data !== 'object' || data === null) return false;
  const prototype = Object.getPrototypeOf(data) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** axios's default transformResponse: a non-empty string body that parses as JSON becomes the parsed value. */
function parseBody(text: string): unknown {
  if (!text) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function requestHeaders(configured: AxiosConfig['headers']): Record<string, string> {
  const headers: Record<string, string> = { Accept: ACCEPT };
  for (const [name, value] of Object.entries(configured ?? {})) {
    if (value !== undefined) headers[name] = value;
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  return headers;
}

export class AxiosInstance {
  readonly defaults: Readonly<AxiosConfig>;

  constructor(config: AxiosConfig) {
    this.defaults = config;
  }

  async post<T = unknown>(url: string, data: unknown, config?: unknown): Promise<AxiosResponse<T>> {
    if (config !== undefined) unsupported('a per-request config');
    if (!isJsonBody(data)) unsupported('a request body other than a plain object or array');
    const request: AxiosRequestConfig = { ...this.defaults, method: 'post', url, data };
    const timeout = this.defaults.timeout ?? 0;
    const controller = new AbortController();
    let timedOut = false;
    const timer = timeout > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), timeout) : undefined;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: 'POST', headers: requestHeaders(this.defaults.headers), body: JSON.stringify(data), signal: controller.signal });
      text = await response.text();
    } catch {
      if (timedOut) {
        throw new AxiosError(this.defaults.timeoutErrorMessage || `timeout of ${timeout}ms exceeded`, AxiosError.ECONNABORTED, request);
      }
      throw new AxiosError('Network Error', AxiosError.ERR_NETWORK, request);
    } finally {
      clearTimeout(timer);
    }
    const answer: AxiosResponse<T> = {
      data: parseBody(text) as T,
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers),
      config: request,
    };
    if (response.status >= 200 && response.status < 300) return answer;
    const code = response.status >= 400 && response.status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE;
    throw new AxiosError(`Request failed with status code ${response.status}`, code, request, undefined, answer);
  }

  get(): never {
    return unsupported('instance.get()');
  }

  put(): never {
    return unsupported('instance.put()');
  }

  patch(): never {
    return unsupported('instance.patch()');
  }

  delete(): never {
    return unsupported('instance.delete()');
  }

  request(): never {
    return unsupported('instance.request()');
  }

  get interceptors(): never {
    return unsupported('interceptors');
  }
}

export function create(config: AxiosConfig = {}): AxiosInstance {
  for (const [option, value] of Object.entries(config)) {
    if (value !== undefined && !SUPPORTED_OPTIONS.has(option)) unsupported(`the option "${option}"`);
  }
  return new AxiosInstance(config);
}

const axios = {
  create,
  isAxiosError,
  AxiosError,
  get: (): never => unsupported('axios.get()'),
  post: (): never => unsupported('axios.post() (use axios.create().post())'),
  request: (): never => unsupported('axios.request()'),
};

export default axios;
