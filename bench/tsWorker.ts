import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * Worker threads running a TypeScript module of bench/ (tsx's loader registered inside the worker: a
 * worker does not inherit the main thread's), and their messages awaited one at a time. The load
 * benchmark puts its load generator and its proxy on their own threads so the simulator's work on the
 * main thread does not delay them.
 */

export function startTsWorker(moduleUrl: string, workerData: unknown): Worker {
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** The worker's next message; its failure or exit rejects. */
export async function nextMessage<T>(worker: Worker): Promise<T> {
  const stop = new AbortController();
  const ended = Promise.race([once(worker, 'error', { signal: stop.signal }), once(worker, 'exit', { signal: stop.signal })]).then((event) => {
    throw new Error(`the worker thread ended: ${String(event[0])}`);
  });
  ended.catch(() => undefined);
  try {
    const [message] = await Promise.race([once(worker, 'message', { signal: stop.signal }), ended]);
    return message as T;
  } finally {
    stop.abort();
  }
}
