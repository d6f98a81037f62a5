import type { CallOptions, PortalGateway } from '../bitrix/portalGateway.js';
import type { Metrics } from './metrics.js';
import { restCallCode } from './outcomeCodes.js';

/** The gateway, counting each call by method and outcome (`teampush_rest_calls_total`). */
export function instrumentGateway(gateway: PortalGateway, restCalls: Metrics['restCalls']): PortalGateway {
  async function counted<T>(method: string, call: () => Promise<T>): Promise<T> {
    try {
      const answer = await call();
      restCalls.inc({ method, code: 'ok' });
      return answer;
    } catch (error) {
      restCalls.inc({ method, code: restCallCode(error) });
      throw error;
    }
  }
  return {
    callAsUser<T>(memberId: string, userId: number, method: string, params?: Record<string, unknown>, options?: CallOptions) {
      return counted(method, () => gateway.callAsUser<T>(memberId, userId, method, params, options));
    },
    callAsAdmin<T>(memberId: string, method: string, params?: Record<string, unknown>, preferUserId?: number) {
      return counted(method, () => gateway.callAsAdmin<T>(memberId, method, params, preferUserId));
    },
  };
}
