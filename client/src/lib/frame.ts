import { initializeB24Frame, type B24Frame } from '@bitrix24/b24jssdk';

/** The SDK waits forever for a parent that never answers; we give up after this long. */
export const FRAME_START_TIMEOUT_MS = 10_000;

export type FrameProblem = 'outside' | 'timeout' | 'failed';

export class FrameUnavailableError extends Error {
  constructor(readonly problem: FrameProblem, cause?: unknown) {
    super(`Bitrix24 frame unavailable: ${problem}`, { cause });
    this.name = 'FrameUnavailableError';
  }
}

/**
 * The SDK reads DOMAIN|PROTOCOL|APP_SID from window.name, set by the portal on the iframe it
 * POSTs into. Without it (or without a parent window) we are not inside Bitrix24.
 */
export function isInsideBitrix24(win: Window = window): boolean {
  return win.parent !== win && win.name.split('|').length >= 3;
}

let connection: Promise<B24Frame> | null = null;

/**
 * Connects to the portal once per page, outside React's tree: initializeB24Frame() shares one
 * instance, and destroying it on a StrictMode remount would leave a dead frame.
 */
export function connectFrame(timeoutMs = FRAME_START_TIMEOUT_MS): Promise<B24Frame> {
  if (!connection) {
    connection = isInsideBitrix24() ? withTimeout(initializeB24Frame(), timeoutMs) : Promise.reject(new FrameUnavailableError('outside'));
  }
  return connection;
}

function withTimeout(start: Promise<B24Frame>, timeoutMs: number): Promise<B24Frame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new FrameUnavailableError('timeout')), timeoutMs);
    start.then(
      (frame) => {
        clearTimeout(timer);
        resolve(frame);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(new FrameUnavailableError('failed', error));
      },
    );
  });
}

/** Calls a REST method through the frame (v2 API) and returns its `result`, throwing on a Bitrix24 error. */
export async function callRest<T>(frame: B24Frame, method: string, params: Record<string, unknown> = {}): Promise<T> {
  const response = await frame.actions.v2.call.make<T>({ method, params });
  if (!response.isSuccess) {
    throw new Error(response.getErrorMessages().join('; ') || `${method} failed`);
  }
  return response.getData()!.result;
}
