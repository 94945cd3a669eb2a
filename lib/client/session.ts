// A session that outlives its connection: logs in once with a password, then keeps itself
// connected. When the connection drops it reconnects with exponential backoff and jitter,
// resumes with the login's token, and re-syncs every conversation from the last seq it handed
// out, so the messages sent meanwhile arrive once, in order. It emits events and knows nothing
// about any user interface.
import { ChatClient, type ClientOptions } from './client.ts';
import { MessageStream, type SyncSource } from './message-stream.ts';
import { ChatError } from '../protocol/errors.ts';
import type { EventKind, MessageView, PushFrame, RequestOf, RequestType, Results } from '../protocol/messages.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** What the session needs of a connection; ChatClient is one. */
export interface SessionClient {
  request<T extends RequestType>(type: T, body: RequestOf<T>): Promise<Results[T]>;
  onPush(listener: (frame: PushFrame) => void): () => void;
  onClose(listener: (err?: Error) => void): () => void;
  close(): Promise<void>;
  destroy(): void;
}

export interface Backoff {
  /** delay before the first retry */
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: each delay is reduced by up to this fraction, at random, so clients do not reconnect in step */
  jitter: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.5 };

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * b.factor ** Math.min(attempt, 64));
  return Math.round(base * (1 - b.jitter * random()));
}

export interface SessionOptions {
  host: string;
  port: number;
  backoff?: Partial<Backoff>;
  /** give up (state `offline`) after this many failed reconnects in a row; default never */
  maxAttempts?: number;
  /** ack every message handed out, so the delivered cursor follows what this client has (default true) */
  ack?: boolean;
  /** false: hand out no messages and sync nothing (a session that only sends, such as `chat send`) */
  receive?: boolean;
  clientOptions?: Partial<Omit<ClientOptions, 'host' | 'port'>>;
  /** how to open a connection (tests pass a fake) */
  connect?: (options: ClientOptions) => Promise<SessionClient>;
  random?: () => number;
}

export interface StateInfo {
  state: ConnectionState;
  /** failed attempts so far in this outage */
  attempt: number;
  /** when reconnecting: the wait before the next attempt */
  retryInMs?: number;
  error?: Error;
}

type Events = {
  state: (info: StateInfo) => void;
  /**
   * every entry of a conversation's sequence, in seq order with no gaps: messages, and edits,
   * deletions and reactions (`kind` says which; a message has kind 'message' or none)
   */
  message: (message: MessageView) => void;
  /** every push that is not an entry: presence, friend and group events */
  push: (frame: Exclude<PushFrame, { type: 'message' | EventKind }>) => void;
  /** logged in on a fresh connection (the first login and every resume): refresh what you cache */
  ready: (resumed: boolean) => void;
  /** a problem that does not end the session (a failed ack, a failed gap fill) */
  error: (err: Error) => void;
};

export class Session {
  state: ConnectionState = 'offline';
  me: Results['login'] | null = null;
  private client: SessionClient | null = null;
  private token: string | null = null;
  private password: string | null = null;
  private closing = false;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeRetry: (() => void) | null = null;
  /** the last seq handed out per conversation: where a resume syncs from */
  private readonly known = new Map<string, number>();
  private readonly listeners: { [K in keyof Events]: Set<Events[K]> } = {
    state: new Set(), message: new Set(), push: new Set(), ready: new Set(), error: new Set(),
  };
  private readonly backoff: Backoff;
  private readonly connectFn: (options: ClientOptions) => Promise<SessionClient>;
  private ackTimer: NodeJS.Immediate | null = null;
  private toAck = new Map<string, number>();

  constructor(private readonly options: SessionOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.connectFn = options.connect ?? ((o) => ChatClient.connect(o));
  }

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /** Connects and logs in with a password. Errors (wrong password, unreachable) are thrown, not retried. */
  async login(user: string, password: string): Promise<Results['login']> {
    return this.open(async (client) => client.request('login', { user, password }), password);
  }

  /** Registers the account, then logs in. */
  async register(user: string, password: string): Promise<Results['login']> {
    return this.open(async (client) => {
      await client.request('register', { user, password });
      return client.request('login', { user, password });
    }, password);
  }

  /** A request on the current connection; CHAT_ERR_DISCONNECTED while there is none. */
  request<T extends RequestType>(type: T, body: RequestOf<T>): Promise<Results[T]> {
    if (!this.client || this.state !== 'connected') return Promise.reject(new ChatError('CHAT_ERR_DISCONNECTED', 'not connected'));
    return this.client.request(type, body);
  }

  /** Tells the session that this client has shown `seq` (moves nothing on the server). */
  noteShown(conversation: string, seq: number): void {
    if (seq > (this.known.get(conversation) ?? 0)) this.known.set(conversation, seq);
  }

  /** Skips the wait of a pending reconnect attempt. */
  retryNow(): void {
    this.wakeRetry?.();
  }

  /** Logs out (revoking the token) when connected, then closes. No reconnect follows. */
  async close({ logout = true }: { logout?: boolean } = {}): Promise<void> {
    this.closing = true;
    this.generation++;
    this.wakeRetry?.();
    const client = this.client;
    this.client = null;
    if (client) {
      if (logout && this.state === 'connected') await Promise.race([client.request('logout', {}).catch(() => {}), sleep(1000)]);
      await client.close().catch(() => {});
    }
    this.setState({ state: 'offline', attempt: 0 });
  }

  private async open(login: (client: SessionClient) => Promise<Results['login']>, password: string): Promise<Results['login']> {
    if (this.client) throw new Error('session is already open');
    this.closing = false;
    this.setState({ state: 'connecting', attempt: 0 });
    let client: SessionClient | null = null;
    try {
      client = await this.connectFn(this.clientOptions());
      const me = await login(client);
      this.me = me;
      this.token = me.token;
      this.password = password;
      this.attach(client, false);
      return me;
    } catch (err) {
      client?.destroy();
      this.setState({ state: 'offline', attempt: 0, error: err as Error });
      throw err;
    }
  }

  private clientOptions(): ClientOptions {
    return { ...this.options.clientOptions, host: this.options.host, port: this.options.port };
  }

  private attach(client: SessionClient, resumed: boolean): void {
    const generation = ++this.generation;
    this.client = client;
    const stream = this.options.receive === false ? null : new MessageStream(this.syncSource(client), (m) => this.deliver(m), (err) => this.emit('error', err));
    client.onPush((frame) => {
      if (generation !== this.generation) return;
      if (frame.type === 'message') stream?.push(frame);
      else if (frame.type === 'edit' || frame.type === 'delete' || frame.type === 'reaction') {
        // An event is an entry of the sequence like a message: the same stream orders it and fills gaps.
        const { type, ...view } = frame;
        stream?.push({ ...view, kind: type } as MessageView);
      } else this.emit('push', frame as Exclude<PushFrame, { type: 'message' | EventKind }>);
    });
    client.onClose((err) => {
      if (generation !== this.generation || this.closing) return;
      this.client = null;
      void this.reconnect(err);
    });
    this.setState({ state: 'connected', attempt: 0 });
    this.emit('ready', resumed);
    stream?.start().catch((err: Error) => {
      if (generation !== this.generation) return;
      this.emit('error', err);
      client.destroy(); // a failed catch-up is retried on a fresh connection
    });
  }

  /** `conversations` with each delivered cursor raised to what this client already has. */
  private syncSource(client: SessionClient): SyncSource {
    const source = {
      request: async (type: 'sync' | 'conversations', body: any) => {
        if (type === 'sync') return client.request('sync', body);
        const result = await client.request('conversations', {});
        return {
          conversations: result.conversations.map((c) => ({ ...c, delivered: Math.max(c.delivered, this.known.get(c.conversation) ?? 0) })),
        };
      },
    };
    return source as SyncSource;
  }

  private deliver(m: MessageView): void {
    this.noteShown(m.conversation, m.seq);
    if (this.options.ack !== false) this.queueAck(m.conversation, m.seq);
    this.emit('message', m);
  }

  private queueAck(conversation: string, seq: number): void {
    if (seq > (this.toAck.get(conversation) ?? 0)) this.toAck.set(conversation, seq);
    this.ackTimer ??= setImmediate(() => {
      this.ackTimer = null;
      const acks = this.toAck;
      this.toAck = new Map();
      for (const [c, s] of acks) {
        this.request('ack', { conversation: c, seq: s }).catch((err: Error) => {
          if (!(err instanceof ChatError && err.code === 'CHAT_ERR_DISCONNECTED')) this.emit('error', err);
        });
      }
    });
  }

  private async reconnect(cause?: Error): Promise<void> {
    const generation = this.generation;
    let error: Error | undefined = cause;
    if (isFinal(cause)) {
      // Ended on purpose (revoked, suspended): logging back in with the password would undo it.
      this.setState({ state: 'offline', attempt: 0, error: cause! });
      return;
    }
    for (let attempt = 0; ; attempt++) {
      if (this.closing || generation !== this.generation) return;
      if (this.options.maxAttempts !== undefined && attempt >= this.options.maxAttempts) {
        this.setState({ state: 'offline', attempt, ...(error ? { error } : {}) });
        return;
      }
      const delay = backoffDelay(attempt, this.backoff, this.options.random);
      this.setState({ state: 'reconnecting', attempt, retryInMs: delay, ...(error ? { error } : {}) });
      await new Promise<void>((resolve) => {
        this.wakeRetry = resolve;
        this.retryTimer = setTimeout(resolve, delay);
      });
      this.wakeRetry = null;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      if (this.closing || generation !== this.generation) return;
      let client: SessionClient | null = null;
      try {
        client = await this.connectFn(this.clientOptions());
        let me: Results['login'];
        try {
          me = await client.request('login', { token: this.token! });
        } catch (err) {
          // An expired or revoked token: the password still works, if we have it.
          if (!(err instanceof ChatError && err.code === 'CHAT_ERR_TOKEN_INVALID') || this.password === null) throw err;
          me = await client.request('login', { user: this.me!.user, password: this.password });
        }
        if (this.closing || generation !== this.generation) {
          client.destroy();
          return;
        }
        this.me = me;
        this.token = me.token;
        this.attach(client, true);
        return;
      } catch (err) {
        client?.destroy();
        error = err as Error;
        if (err instanceof ChatError && (err.code === 'CHAT_ERR_AUTH_FAILED' || isFinal(err))) {
          // the password changed or the account is gone: retrying cannot help
          this.setState({ state: 'offline', attempt: attempt + 1, error });
          return;
        }
      }
    }
  }

  private setState(info: StateInfo): void {
    this.state = info.state;
    this.emit('state', info);
  }

  private emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: Parameters<Events[K]>) => void)(...args);
  }
}

/** A close or refusal after which the session must not log back in by itself. */
function isFinal(err: Error | undefined): boolean {
  return err instanceof ChatError && (err.code === 'CHAT_ERR_SESSION_REVOKED' || err.code === 'CHAT_ERR_SUSPENDED');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
