import type { Bus } from '../bus/bus.ts';
import type { Store } from '../db/store.ts';
import type { Logger } from '../logger.ts';
import { ChatError } from '../protocol/errors.ts';
import { presencePush } from '../protocol/frames.ts';
import type { Connection, SessionUser } from './connection.ts';
import type { SessionHandle } from './context.ts';
import type { Sessions } from './sessions.ts';

/**
 * Tells a user's friends that the user came online or went offline. One user's announcements
 * leave in the order this node decided them (each waits for the one before), so a slow friends
 * look-up cannot let an older `offline` overtake a newer `online`.
 */
export class Presence {
  private readonly pending = new Map<number, Promise<void>>();

  constructor(
    private readonly store: Pick<Store, 'friendsOf'>,
    private readonly bus: Pick<Bus, 'publish'>,
  ) {}

  announce(user: SessionUser, online: boolean): Promise<void> {
    const run = (this.pending.get(user.id) ?? Promise.resolve()).then(() => this.publish(user, online));
    const settled = run.catch(() => {});
    this.pending.set(user.id, settled);
    void settled.then(() => {
      if (this.pending.get(user.id) === settled) this.pending.delete(user.id);
    });
    return run;
  }

  private async publish(user: SessionUser, online: boolean): Promise<void> {
    const friends = await this.store.friendsOf(user.id);
    if (friends.length === 0) return;
    this.bus.publish({ users: friends.map((f) => f.id), frame: presencePush(user.name, online) });
  }
}

/** What every session of a node shares. */
export interface SessionDeps {
  /** the node's table of signed-in sessions, which bus events are delivered through */
  sessions: Sessions;
  bus: Pick<Bus, 'sessionOpened' | 'sessionClosed'>;
  presence: Pick<Presence, 'announce'>;
  log: Logger;
  /** a session that is not signed in is closed after this long */
  loginTimeoutMs: number;
  /** a signed-in session signed out or closed: it no longer holds its token (Store.accounts.sessionEnded) */
  onLeave?: ((user: SessionUser, sessionId: string) => void) | undefined;
}

/** The part of its connection a session uses. */
export type SessionConnection = Pick<Connection, 'closed' | 'send' | 'fail' | 'end'>;

/**
 * One connection's session, and the only owner of what signing in sets up: the user, the entry
 * in the node's Sessions table, the count on the bus (presence) with its announcement to
 * friends, and the login timer. signIn, signOut and close are transitions that run one at a
 * time, in call order, so the four always agree:
 *
 * - signIn is all or nothing: if announcing presence fails, or the connection closes while it
 *   is under way, it undoes what it did and fails, and the session is signed out.
 * - a connection that has closed is never signed in (CHAT_ERR_CONNECTION_CLOSED).
 * - every bus count is withdrawn exactly once, so presence follows the sessions that exist.
 */
export class ServerSession implements SessionHandle {
  // Read by every request (me(ctx)): a plain field behind a getter, nothing computed.
  private current: SessionUser | null = null;
  /** the client's name from `hello` */
  client: string | null = null;
  private closing = false;
  private loginTimer: NodeJS.Timeout | null = null;
  /** the last transition; the next one starts when it has settled */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    /** `node:conn`, unique across the cluster */
    readonly id: string,
    readonly remote: string,
    private readonly conn: SessionConnection,
    private readonly deps: SessionDeps,
  ) {
    this.armLoginTimer();
  }

  get user(): SessionUser | null {
    return this.current;
  }

  /** Writes one encoded line (the Sessions table delivers bus events through this). */
  send(line: string): void {
    this.conn.send(line);
  }

  /** Writes a last line (an error frame with id null) and closes the connection. */
  end(lastLine: string): void {
    this.conn.end(lastLine);
  }

  signIn(user: SessionUser): Promise<void> {
    return this.serialized(() => this.enter(user));
  }

  /** Never fails: the session is signed out even if the bus or the announcement fails (logged). */
  signOut(): Promise<void> {
    return this.serialized(() => this.leave());
  }

  /** The connection closed: signs out, and any signIn under way or to come fails. */
  close(): Promise<void> {
    this.closing = true;
    this.stopLoginTimer();
    return this.serialized(() => this.leave());
  }

  /** closed by the peer (close) or by the server (a fatal error, a timeout, the slow-reader bound) */
  private get gone(): boolean {
    return this.closing || this.conn.closed;
  }

  private serialized(step: () => Promise<void>): Promise<void> {
    const run = this.tail.then(step);
    this.tail = run.catch(() => {});
    return run;
  }

  private async enter(user: SessionUser): Promise<void> {
    if (this.gone) throw this.abandoned(user);
    if (this.current) throw new ChatError('CHAT_ERR_ALREADY_LOGGED_IN');
    const { sessions, bus, presence } = this.deps;
    this.stopLoginTimer();
    this.current = user;
    // Registered before it is counted: a user the bus calls online gets every push.
    sessions.add(user.id, this);
    let cameOnline: boolean;
    try {
      cameOnline = await bus.sessionOpened(user.id);
    } catch (err) {
      this.unregister(user); // a sessionOpened that fails has counted nothing (Bus)
      throw err;
    }
    try {
      // Announced even if the connection has just closed: the rollback's `offline` then follows
      // it, so friends always see the two in pairs.
      if (cameOnline) await presence.announce(user, true);
      if (this.gone) throw this.abandoned(user);
    } catch (err) {
      await this.leave();
      throw err;
    }
  }

  private async leave(): Promise<void> {
    const user = this.current;
    if (!user) return;
    this.unregister(user);
    this.deps.onLeave?.(user, this.id);
    try {
      if (await this.deps.bus.sessionClosed(user.id)) await this.deps.presence.announce(user, false);
    } catch (err) {
      this.deps.log.warn({ err, session: this.id, userId: user.id }, 'presence withdrawal failed');
    }
  }

  private unregister(user: SessionUser): void {
    this.current = null;
    this.deps.sessions.remove(user.id, this);
    if (!this.gone) this.armLoginTimer();
  }

  private abandoned(user: SessionUser): ChatError {
    this.deps.log.info({ session: this.id, userId: user.id }, 'login abandoned');
    return new ChatError('CHAT_ERR_CONNECTION_CLOSED');
  }

  // A connection that has not logged in is dropped after loginTimeoutMs, pinging or not:
  // anonymous sockets (and slowloris trickles) cannot pile up.
  private armLoginTimer(): void {
    this.stopLoginTimer();
    this.loginTimer = setTimeout(() => this.conn.fail('CHAT_ERR_LOGIN_TIMEOUT'), this.deps.loginTimeoutMs);
  }

  private stopLoginTimer(): void {
    if (this.loginTimer) clearTimeout(this.loginTimer);
    this.loginTimer = null;
  }
}
