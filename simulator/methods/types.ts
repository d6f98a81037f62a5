import type { AppRegistration, Clock, InstallState, PushRecord } from '../contract.js';
import type { SimDirectory } from '../directory.js';
import type { Params } from '../phpParams.js';

/** Who is calling: an application token (the app's OAuth authorization) or an inbound webhook. */
export interface AuthContext {
  kind: 'app' | 'webhook';
  userId: number;
  scope: readonly string[];
}

export interface EventBinding {
  event: string;
  handler: string;
  /** 0 = the user whose action triggered the event. */
  authType: number;
  offline: boolean;
  /** The user who bound it. */
  userId: number;
}

export interface PlacementBinding {
  placement: string;
  handler: string;
  title: string;
  description: string;
  groupName: string;
  langAll: Record<string, unknown>;
  options: Record<string, unknown>;
}

/** What REST methods see of a portal. */
export interface PortalState {
  readonly memberId: string;
  readonly domain: string;
  readonly language: string;
  readonly directory: SimDirectory;
  readonly app: AppRegistration;
  readonly appName: string;
  readonly appStatus: string;
  readonly installState: InstallState;
  readonly clock: Clock;
  readonly eventBindings: EventBinding[];
  readonly placementBindings: PlacementBinding[];
  recordPush(push: Omit<PushRecord, 'seq' | 'at'>): void;
}

export interface CallContext {
  portal: PortalState;
  auth: AuthContext;
  viaBatch: boolean;
}

export interface MethodAnswer {
  result: unknown;
  total?: number;
  next?: number;
}

export interface MethodDefinition {
  /** Any one of these scopes grants the method; null = no scope needed (`basic`). */
  scopes: readonly string[] | null;
  handle(params: Params, ctx: CallContext): MethodAnswer | Promise<MethodAnswer>;
}

export type MethodTable = Record<string, MethodDefinition>;

export const USER_SCOPES = ['user', 'user_basic', 'user_brief'] as const;
