import type { Bus } from '../bus/bus.ts';
import type { ServerConfig } from '../config.ts';
import type { NewMessage, Store } from '../db/store.ts';
import type { Logger } from '../logger.ts';
import type { RequestOf, RequestType, Results } from '../protocol/messages.ts';
import type { SessionUser } from './connection.ts';
import type { FailureThrottle } from './throttle.ts';

export interface SessionHandle {
  /** `node:conn`, unique across the cluster */
  readonly id: string;
  readonly user: SessionUser | null;
  /** the peer's IP address, for per-address limits */
  readonly remote: string;
}

/** Failed-login counters, shared by every connection of a node. */
export interface LoginThrottle {
  byAccount: FailureThrottle;
  byAddress: FailureThrottle;
}

/** What a handler may touch: a narrow surface, so unit tests can hand in fakes. */
export interface HandlerContext {
  session: SessionHandle;
  store: Store;
  bus: Bus;
  config: Pick<ServerConfig, 'nodeId' | 'maxLineBytes' | 'maxTextLength' | 'tokenTtlMs'>;
  log: Logger;
  loginThrottle: LoginThrottle;
  /** Queues a message for the next group commit; resolves once it is stored. */
  append(message: NewMessage): Promise<{ seq: number; ts: number; duplicate: boolean }>;
  signIn(user: SessionUser): Promise<void>;
  signOut(): Promise<void>;
}

/**
 * A reply that will be ready later. A handler returns one when the rest of its work must not
 * hold up the connection's next request: `send` returns as soon as the message is queued for
 * the group commit, so a pipelining client fills a whole batch in one tick.
 */
export class Deferred<T> {
  constructor(readonly promise: Promise<T>) {}
}

export type Handler<T extends RequestType> = (
  ctx: HandlerContext,
  body: RequestOf<T>,
) => Promise<Results[T] | Deferred<Results[T]>>;

export type HandlerTable = { [T in RequestType]: Handler<T> };
