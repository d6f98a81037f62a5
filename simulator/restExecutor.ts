import type { RequestLogEntry } from './contract.js';
import { normaliseMethod, type FaultQueue } from './faults.js';
import { appMethods } from './methods/app.js';
import { bindingMethods } from './methods/bindings.js';
import { departmentMethods } from './methods/departments.js';
import { groupMethods } from './methods/groups.js';
import { pushMethods } from './methods/push.js';
import type { AuthContext, CallContext, MethodAnswer, MethodTable, PortalState } from './methods/types.js';
import { userMethods } from './methods/users.js';
import { getCi, isRecord, parsePhpQuery, phpTruthy, type Params } from './phpParams.js';
import type { RequestLog } from './requestLog.js';
import { errors, RestError, restTime, type RestTime } from './restAnswer.js';
import { APPLICATION, type OperatingEntity, type OperatingMeter } from './operatingTime.js';
import { fileAnswer, newBatchAnswers, substituteBatchReferences } from './batchReferences.js';

export const METHODS: MethodTable = {
  ...userMethods,
  ...departmentMethods,
  ...groupMethods,
  ...appMethods,
  ...bindingMethods,
  ...pushMethods,
};

export const MAX_BATCH_LENGTH = 50;

/** A network-level fault: the HTTP layer destroys the socket instead of answering. */
export class NetworkFault extends Error {
  constructor() {
    super('simulated network failure');
    this.name = 'NetworkFault';
  }
}

export interface ExecutorDeps {
  portal: PortalState;
  faults: FaultQueue;
  log: RequestLog;
  /** The portal's operating-time budgets per method (limits.md); batch sub-calls are metered one by one. */
  operating: OperatingMeter;
}

export interface CallOutcome {
  answer: MethodAnswer;
  time: RestTime;
}

type AuthVia = NonNullable<RequestLogEntry['authVia']>;

/** Whose operating-time budget a call spends: the application's, or the webhook's (limits.md; the core's LoadLimiter keys by client id or password id). */
function operatingEntity(auth: AuthContext): OperatingEntity {
  return auth.kind === 'app' ? APPLICATION : `webhook:${auth.userId}`;
}

/** Turns an injected fault into the error (or network failure) it stands for. */
export function faultError(deps: ExecutorDeps, method: string): RestError | undefined {
  const fault = deps.faults.take(method);
  if (!fault) return undefined;
  if (fault.network) throw new NetworkFault();
  return new RestError(fault.httpStatus, fault.error, fault.description ?? '');
}

/**
 * Runs one method for an authenticated caller: scope first (insufficient_scope before the method),
 * then the method itself. `batch` is handled here too, since its sub-calls run through the same path.
 */
export async function runMethod(method: string, params: Params, auth: AuthContext, deps: ExecutorDeps, authVia: AuthVia): Promise<CallOutcome> {
  const started = deps.portal.clock.now();
  const t0 = performance.now();
  if (method === 'batch') {
    const answer = await runBatch(params, auth, deps, authVia);
    return { answer, time: restTime(deps.portal.clock, started, performance.now() - t0) };
  }
  deps.operating.check(method, operatingEntity(auth));
  const answer = await runSingle(method, params, auth, deps, false);
  return { answer, time: restTime(deps.portal.clock, started, performance.now() - t0, deps.operating.record(method, operatingEntity(auth))) };
}

async function runSingle(method: string, params: Params, auth: AuthContext, deps: ExecutorDeps, viaBatch: boolean): Promise<MethodAnswer> {
  const delayMs = deps.faults.takeDelay(method);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const definition = METHODS[method];
  if (!definition) throw errors.methodNotFound();
  if (definition.scopes && !definition.scopes.some((scope) => auth.scope.includes(scope))) throw errors.insufficientScope();
  const ctx: CallContext = { portal: deps.portal, auth, viaBatch };
  return definition.handle(params, ctx);
}

/** PHP arrays encode as JSON lists when their keys are 0..n-1 in order, otherwise as objects. */
function phpArray(entries: Array<[string, unknown]>): unknown {
  if (entries.every(([key], index) => key === String(index))) return entries.map(([, value]) => value);
  return Object.fromEntries(entries);
}

async function runBatch(params: Params, auth: AuthContext, deps: ExecutorDeps, authVia: AuthVia): Promise<MethodAnswer> {
  const cmd = getCi(params, 'cmd');
  const commands: Array<[string, unknown]> = Array.isArray(cmd) ? cmd.map((c, i) => [String(i), c]) : isRecord(cmd) ? Object.entries(cmd) : [];
  const halt = phpTruthy(getCi(params, 'halt'));

  // What the commands answered so far, for the references later commands may hold (./batchReferences.ts).
  const answers = newBatchAnswers();
  const result: Array<[string, unknown]> = [];
  const resultError: Array<[string, unknown]> = [];
  const resultTotal: Array<[string, unknown]> = [];
  const resultNext: Array<[string, unknown]> = [];
  const resultTime: Array<[string, unknown]> = [];

  for (const [index, [key, command]] of commands.entries()) {
    if (index >= MAX_BATCH_LENGTH) {
      // CRestProvider::methodsBatch (rest module, classes/general/rest_provider.php): a command past
      // the 50th is not run; it fails on its own and the batch call itself still answers 200.
      const exceeded = { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' };
      resultError.push([key, exceeded]);
      fileAnswer(answers, key, exceeded);
      if (halt) break;
      continue;
    }
    const line = typeof command === 'string' ? command : '';
    const question = line.indexOf('?');
    const method = normaliseMethod(question === -1 ? line : line.slice(0, question));
    const subParams = substituteBatchReferences(parsePhpQuery(question === -1 ? '' : line.slice(question + 1)), answers);
    const started = deps.portal.clock.now();
    const t0 = performance.now();
    try {
      const fault = faultError(deps, method);
      if (fault) throw fault;
      if (method === 'batch') throw new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage');
      deps.operating.check(method, operatingEntity(auth));
      const answer = await runSingle(method, subParams, auth, deps, true);
      const operating = deps.operating.record(method, operatingEntity(auth));
      const time = restTime(deps.portal.clock, started, performance.now() - t0, operating);
      result.push([key, answer.result]);
      if (answer.total !== undefined) resultTotal.push([key, answer.total]);
      if (answer.next !== undefined) resultNext.push([key, answer.next]);
      resultTime.push([key, time]);
      fileAnswer(answers, key, { result: answer.result, ...(answer.next !== undefined ? { next: answer.next } : {}), ...(answer.total !== undefined ? { total: answer.total } : {}), time });
      deps.log.record({ at: started, method, httpStatus: 200, userId: auth.userId, viaBatch: true, authVia });
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      resultError.push([key, error.toJSON()]);
      fileAnswer(answers, key, error.toJSON());
      deps.log.record({ at: started, method, httpStatus: error.httpStatus, error: error.error, userId: auth.userId, viaBatch: true, authVia });
      if (halt) break;
    }
  }
  return {
    result: {
      result: phpArray(result),
      result_error: phpArray(resultError),
      result_total: phpArray(resultTotal),
      result_next: phpArray(resultNext),
      result_time: phpArray(resultTime),
    },
  };
}
