import type { Bus } from '../bus/bus.ts';
import type { ServerConfig } from '../config.ts';
import type { CursorMove, NewMessage, Store } from '../db/store.ts';
import type { Logger } from '../logger.ts';
import type { RequestOf, RequestType, Results } from '../protocol/messages.ts';
import type { SessionUser } from './connection.ts';
import type { ReceiptThrottle, TypingGate } from './live-signals.ts';
import type { Removals } from './removals.ts';
import type { FailureThrottle } from './throttle.ts';

export interface Stored {
  seq: number;
  ts: number;
  duplicate: boolean;
  /** the group's members when the message committed, where the store knows them (AppendResult) */
  members?: readonly number[] | undefined;
}
export type AppendDone = (error: Error | null, stored: Stored | null) => void;
/** `seq`: the cursor's value once the move committed */
export type MoveDone = (error: Error | null, seq: number | null) => void;

/** The connection's session (ServerSession in session.ts): who is signed in, and the transitions. */
export interface SessionHandle {
  /** `node:conn`, unique across the cluster */
  readonly id: string;
  readonly user: SessionUser | null;
  /** the peer's IP address, for per-address limits */
  readonly remote: string;
  /** the client's name from `hello`, if it gave one */
  client: string | null;
  /**
   * All or nothing: registered, counted on the bus and announced to friends, or else (the
   * announcement failed, the connection closed meanwhile: CHAT_ERR_CONNECTION_CLOSED) rejected
   * with nothing left behind.
   */
  signIn(user: SessionUser): Promise<void>;
  /** Back to anonymous; never fails. */
  signOut(): Promise<void>;
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
  config: Pick<ServerConfig, 'nodeId' | 'maxLineBytes' | 'maxTextLength' | 'tokenTtlMs' | 'registration'>;
  log: Logger;
  loginThrottle: LoginThrottle;
  /** the node's limits on typing notices and read receipts (not stored, so not the store's) */
  signals: { typing: TypingGate; receipts: ReceiptThrottle };
  /** registrations per client address, shared by every connection of a node */
  registerThrottle: FailureThrottle;
  /** the node's removals from groups, which a group push checks its member list against */
  removals: Removals;
  /** Queues a message for the next group commit; `done` is called once it is stored (or not). */
  append(message: NewMessage, done: AppendDone): void;
  /** Queues an ack or read for the same group commit; `done` is called once it is stored (or not). */
  moveCursor(move: CursorMove, done: MoveDone): void;
}

/**
 * A reply that will be ready later. A handler returns one when the rest of its work must not
 * hold up the connection's next request: `send` returns as soon as the message is queued for
 * the group commit, so a pipelining client fills a whole batch in one tick.
 */
export class Deferred<T> {
  // A plain callback pair, not a Promise: `send` creates one per message, and the request queue
  // is its only listener, so the promise machinery (and its microtask hops) would be pure cost.
  private state: 'pending' | 'resolved' | 'rejected' = 'pending';
  private value: T | undefined;
  private error: unknown;
  private onValue: ((value: T) => void) | null = null;
  private onError: ((error: unknown) => void) | null = null;

  resolve(value: T): void {
    if (this.state !== 'pending') return;
    this.state = 'resolved';
    this.value = value;
    this.onValue?.(value);
  }

  reject(error: unknown): void {
    if (this.state !== 'pending') return;
    this.state = 'rejected';
    this.error = error;
    this.onError?.(error);
  }

  /** Sets the one listener; called at once if already settled. */
  settle(onValue: (value: T) => void, onError: (error: unknown) => void): void {
    if (this.state === 'resolved') onValue(this.value as T);
    else if (this.state === 'rejected') onError(this.error);
    else {
      this.onValue = onValue;
      this.onError = onError;
    }
  }

  /** For callers that want to await it (tests); takes the listener slot. */
  get promise(): Promise<T> {
    return new Promise<T>((resolve, reject) => this.settle(resolve, reject));
  }
}

/**
 * A result already encoded as JSON text. The reply writer splices it in instead of running
 * JSON.stringify over an object built only to be stringified (the `send` ack, once per message).
 */
export class EncodedResult<T> {
  constructor(
    readonly value: T,
    /** exactly JSON.stringify(value) */
    readonly json: string,
  ) {}
}

export type Reply<T> = T | EncodedResult<T>;

export type Handler<T extends RequestType> = (
  ctx: HandlerContext,
  body: RequestOf<T>,
) => Promise<Reply<Results[T]> | Deferred<Reply<Results[T]>>>;

export type HandlerTable = { [T in RequestType]: Handler<T> };
