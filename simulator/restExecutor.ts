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
import type { OperatingMeter } from './operatingTime.js';

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
  deps.operating.check(method);
  const answer = await runSingle(method, params, auth, deps, false);
  return { answer, time: restTime(deps.portal.clock, started, performance.now() - t0, deps.operating.record(method)) };
}

async function runSingle(method: string, params: Params, auth: AuthContext, deps: ExecutorDeps, viaBatch: boolean): Promise<MethodAnswer> {
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

/** `$result[key][field]` in a sub-call's parameters takes a value from an earlier sub-call. */
function substituteResults(value: unknown, results: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g, (whole, key: string, path: string) => {
      let current: unknown = results.get(key);
      for (const segment of path.match(/\[([^\]]*)\]/g) ?? []) {
        const name = segment.slice(1, -1);
        current = isRecord(current) || Array.isArray(current) ? (current as Record<string, unknown>)[name] : undefined;
      }
      return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean' ? String(current) : whole;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substituteResults(v, results));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteResults(v, results)]));
  return value;
}

async function runBatch(params: Params, auth: AuthContext, deps: ExecutorDeps, authVia: AuthVia): Promise<MethodAnswer> {
  const cmd = getCi(params, 'cmd');
  const commands: Array<[string, unknown]> = Array.isArray(cmd) ? cmd.map((c, i) => [String(i), c]) : isRecord(cmd) ? Object.entries(cmd) : [];
  const halt = phpTruthy(getCi(params, 'halt'));

  const results = new Map<string, unknown>();
  const result: Array<[string, unknown]> = [];
  const resultError: Array<[string, unknown]> = [];
  const resultTotal: Array<[string, unknown]> = [];
  const resultNext: Array<[string, unknown]> = [];
  const resultTime: Array<[string, unknown]> = [];

  for (const [index, [key, command]] of commands.entries()) {
    if (index >= MAX_BATCH_LENGTH) {
      // CRestProvider::methodsBatch (rest module, classes/general/rest_provider.php): a command past
      // the 50th is not run; it fails on its own and the batch call itself still answers 200.
      resultError.push([key, { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' }]);
      if (halt) break;
      continue;
    }
    const line = typeof command === 'string' ? command : '';
    const question = line.indexOf('?');
    const method = normaliseMethod(question === -1 ? line : line.slice(0, question));
    const subParams = substituteResults(parsePhpQuery(question === -1 ? '' : line.slice(question + 1)), results) as Params;
    const started = deps.portal.clock.now();
    const t0 = performance.now();
    try {
      const fault = faultError(deps, method);
      if (fault) throw fault;
      if (method === 'batch') throw new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage');
      deps.operating.check(method);
      const answer = await runSingle(method, subParams, auth, deps, true);
      const operating = deps.operating.record(method);
      results.set(key, answer.result);
      result.push([key, answer.result]);
      if (answer.total !== undefined) resultTotal.push([key, answer.total]);
      if (answer.next !== undefined) resultNext.push([key, answer.next]);
      resultTime.push([key, restTime(deps.portal.clock, started, performance.now() - t0, operating)]);
      deps.log.record({ at: started, method, httpStatus: 200, userId: auth.userId, viaBatch: true, authVia });
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      resultError.push([key, error.toJSON()]);
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
