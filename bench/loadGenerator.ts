import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parentPort, workerData, type MessagePort, type Worker } from 'node:worker_threads';
import { BENCH_ID_HEADER } from './portalTime.js';
import { startTsWorker } from './tsWorker.js';

/**
 * The load benchmark's load generator, in a worker thread of the benchmark process: the simulator's
 * REST work (in the main thread) would otherwise delay reading the app's answers and inflate the
 * client-observed latency. Each admin loops search → preview → send, one request at a time, starting
 * one at most every `intervalMs`; first `warmupRequests` unmeasured, then (on `go`) for `seconds`.
 * Times are sent back as epoch milliseconds (performance.timeOrigin + now), comparable across threads.
 */

export const KINDS = ['search', 'preview', 'send'] as const;
export type Kind = (typeof KINDS)[number];

export interface LoadAdmin {
  memberId: string;
  adminId: number;
  /** The frame's headers: this admin's Bitrix24 token and the portal's member id. */
  headers: Record<string, string>;
  employees: number[];
  lastNames: string[];
  departments: number[];
  /** Which kind comes first (spreads the kinds over the admins). */
  turn: number;
}

export interface LoadPlan {
  appUrl: string;
  /** Prefix of the push texts (each send's text is its own, so a duplicate push is visible). */
  label: string;
  admins: LoadAdmin[];
  intervalMs: number;
  warmupRequests: number;
  seconds: number;
}

/** One API request as the client saw it. */
export interface Attempt {
  memberId: string;
  adminId: number;
  kind: Kind;
  /** 0: no answer (network error). */
  status: number;
  /** HTTP error, no answer, or a send that ended `failed`/`partly_failed`. */
  failed: boolean;
  /** Epoch ms when the request was sent, and the time until its answer was read. */
  startedAtEpochMs: number;
  latencyMs: number;
  benchId: string;
  /** For a failed request: the start of its answer, or the error. */
  detail?: string;
}

export type GeneratorMessage = { type: 'warmed' } | { type: 'done'; attempts: Attempt[]; elapsedS: number; loopDelayP99Ms: number };

const epochNow = () => performance.timeOrigin + performance.now();
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function runPlan(plan: LoadPlan, port: MessagePort): Promise<void> {
  let sequence = 0;
  let sends = 0;
  const call = async (admin: LoadAdmin): Promise<Attempt> => {
    admin.turn = (admin.turn + 1) % KINDS.length;
    const kind = KINDS[admin.turn]!;
    let path: string;
    let body: unknown;
    if (kind === 'search') path = `/recipients/search?q=${encodeURIComponent(pick(admin.lastNames))}`;
    else if (kind === 'preview') {
      path = '/audience/preview';
      body = { audience: { departments: [{ id: pick(admin.departments), withSubdepartments: true }] } };
    } else {
      path = '/sends';
      body = { idempotencyKey: randomUUID(), text: `Load test ${plan.label} #${(sends += 1)}`, audience: { users: [pick(admin.employees), pick(admin.employees), pick(admin.employees)] } };
    }
    const benchId = `l${(sequence += 1)}`;
    const startedAtEpochMs = epochNow();
    const started = performance.now();
    const attempt = { memberId: admin.memberId, adminId: admin.adminId, kind, startedAtEpochMs, benchId };
    try {
      const response = await fetch(`${plan.appUrl}/api${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { ...admin.headers, [BENCH_ID_HEADER]: benchId, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const latencyMs = performance.now() - started;
      let sendStatus: unknown;
      if (kind === 'send') {
        try {
          sendStatus = (JSON.parse(text) as { send?: { status?: unknown } }).send?.status;
        } catch {
          sendStatus = undefined;
        }
      }
      const failed = response.status >= 400 || sendStatus === 'failed' || sendStatus === 'partly_failed';
      return { ...attempt, status: response.status, failed, latencyMs, ...(failed ? { detail: text.slice(0, 300) } : {}) };
    } catch (error) {
      const cause = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
      return { ...attempt, status: 0, failed: true, latencyMs: performance.now() - started, detail: cause };
    }
  };
  const loop = async (admin: LoadAdmin, until: number, requests: number, into?: Attempt[]) => {
    await delay(Math.random() * plan.intervalMs);
    for (let done = 0; done < requests && performance.now() < until; done += 1) {
      const started = performance.now();
      const attempt = await call(admin);
      into?.push(attempt);
      const wait = started + plan.intervalMs - performance.now();
      if (wait > 0) await delay(wait);
    }
  };

  await Promise.all(plan.admins.map((admin) => loop(admin, Number.POSITIVE_INFINITY, plan.warmupRequests)));
  const go = new Promise<void>((resolve) => port.once('message', () => resolve()));
  port.postMessage({ type: 'warmed' } satisfies GeneratorMessage);
  await go;

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const started = performance.now();
  const attempts: Attempt[] = [];
  await Promise.all(plan.admins.map((admin) => loop(admin, started + plan.seconds * 1000, Number.POSITIVE_INFINITY, attempts)));
  const elapsedS = (performance.now() - started) / 1000;
  loopDelay.disable();
  port.postMessage({ type: 'done', attempts, elapsedS, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 } satisfies GeneratorMessage);
}

/** Starts the generator thread: it warms up, says `warmed`, waits for any message, measures, and says `done`. */
export function startLoadGenerator(plan: LoadPlan): Worker {
  return startTsWorker(import.meta.url, { loadPlan: plan });
}

const plan = (workerData as { loadPlan?: LoadPlan } | null)?.loadPlan;
if (parentPort && plan) await runPlan(plan, parentPort);
