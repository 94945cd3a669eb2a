// ServerSession's transitions with fakes: a connection that records what it is told, the real
// LocalBus behind gates the test opens, the real Sessions table and Presence over a friends
// look-up the test controls. Whatever the interleaving, the user, the table, the bus count and
// what friends were told must agree at the end.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent } from '../../../lib/bus/bus.ts';
import { LocalBus } from '../../../lib/bus/local-bus.ts';
import type { UserRow } from '../../../lib/db/store.ts';
import { createLogger } from '../../../lib/logger.ts';
import type { ErrorCode } from '../../../lib/protocol/errors.ts';
import type { SessionUser } from '../../../lib/server/connection.ts';
import { Presence, ServerSession, type SessionConnection } from '../../../lib/server/session.ts';
import { Sessions } from '../../../lib/server/sessions.ts';
import { rejectsWith } from '../../helpers/assert.ts';

const BOB: SessionUser = { id: 2, name: 'bob', tokenHash: 'h' };
const ALICE = 1;

/** pass() waits while the gate is closed. */
class Gate {
  private release: (() => void) | null = null;
  private promise: Promise<void> | null = null;
  close(): void {
    this.promise = new Promise((r) => (this.release = r));
  }
  open(): void {
    this.release?.();
    this.promise = null;
    this.release = null;
  }
  async pass(): Promise<void> {
    if (this.promise) await this.promise;
  }
}

interface World {
  sessions: Sessions;
  bus: LocalBus;
  /** presence frames published, as "on"/"off" */
  told: string[];
  calls: { opened: number; closed: number };
  /** hold sessionOpened's answer / the friends look-up while closed */
  openGate: Gate;
  friendsGate: Gate;
  friendsFail: { on: boolean };
  open(): { session: ServerSession; conn: FakeConn };
  live: ServerSession[];
}

interface FakeConn extends SessionConnection {
  failed: ErrorCode[];
  sent: string[];
}

function fakeConn(): FakeConn {
  const conn: FakeConn = {
    closed: false,
    failed: [],
    sent: [],
    send(line: string) {
      if (!conn.closed) conn.sent.push(line);
    },
    fail(code: ErrorCode) {
      conn.failed.push(code);
      conn.closed = true;
    },
    end(line?: string) {
      if (line !== undefined) conn.send(line);
      conn.closed = true;
    },
  };
  return conn;
}

let w: World;
let nextConn = 1;

function world(loginTimeoutMs = 60_000): World {
  const bus = new LocalBus();
  const told: string[] = [];
  bus.subscribe((e: BusEvent) => {
    const f = JSON.parse(e.frame) as { type: string; online: boolean };
    if (f.type === 'presence') told.push(f.online ? 'on' : 'off');
  });
  const calls = { opened: 0, closed: 0 };
  const openGate = new Gate();
  const friendsGate = new Gate();
  const friendsFail = { on: false };
  const counted = {
    sessionOpened: async (id: number) => {
      calls.opened++;
      // counted at once, answered later: as RedisBus counts locally, then asks Redis
      const cameOnline = bus.sessionOpened(id);
      await openGate.pass();
      return cameOnline;
    },
    sessionClosed: async (id: number) => {
      calls.closed++;
      return bus.sessionClosed(id);
    },
  };
  const store = {
    friendsOf: async (): Promise<UserRow[]> => {
      await friendsGate.pass();
      if (friendsFail.on) throw new Error('friends look-up failed');
      return [{ id: ALICE, name: 'alice', passwordHash: '' } as UserRow];
    },
  };
  const sessions = new Sessions();
  const live: ServerSession[] = [];
  const deps = { sessions, bus: counted, presence: new Presence(store, bus), log: createLogger('silent'), loginTimeoutMs };
  return {
    sessions, bus, told, calls, openGate, friendsGate, friendsFail, live,
    open() {
      const conn = fakeConn();
      const session = new ServerSession(`n1:${nextConn++}`, '127.0.0.1', conn, deps);
      live.push(session);
      return { session, conn };
    },
  };
}

async function online(): Promise<boolean> {
  return (await w.bus.onlineAmong([BOB.id])).has(BOB.id);
}

/** Lets every pending promise chain run to its end. */
const settle = () => new Promise((r) => setImmediate(r));

async function assertSignedOut(session: ServerSession): Promise<void> {
  assert.is(session.user, null, 'no user');
  assert.is(w.sessions.size, 0, 'nothing registered');
  assert.not.ok(await online(), 'the bus does not count bob');
  assert.is(w.calls.opened, w.calls.closed, 'every count was withdrawn');
}

const test = suite('ServerSession');
test.before.each(() => {
  w = world();
});
test.after.each(async () => {
  w.openGate.open();
  w.friendsGate.open();
  for (const s of w.live) await s.close(); // stops the login timers
});

test('signIn registers, counts and announces; signOut undoes all three', async () => {
  const { session } = w.open();
  await session.signIn(BOB);
  assert.is(session.user, BOB);
  assert.is(w.sessions.size, 1);
  assert.ok(await online());
  await session.signOut();
  await assertSignedOut(session);
  assert.equal(w.told, ['on', 'off']);
});

test('close while signIn waits for the bus: signIn fails with CHAT_ERR_CONNECTION_CLOSED and leaves nothing behind', async () => {
  const { session } = w.open();
  w.openGate.close();
  const signIn = session.signIn(BOB);
  await settle();
  assert.is(w.calls.opened, 1, 'signIn is waiting in sessionOpened');
  const closed = session.close();
  w.openGate.open();
  await rejectsWith(signIn, 'CHAT_ERR_CONNECTION_CLOSED');
  await closed;
  await assertSignedOut(session);
  assert.equal(w.told, ['on', 'off'], 'the online friends were told is followed by an offline');
});

test('close while the online announcement is under way: the same', async () => {
  const { session } = w.open();
  w.friendsGate.close();
  const signIn = session.signIn(BOB);
  await settle();
  const closed = session.close();
  w.friendsGate.open();
  await rejectsWith(signIn, 'CHAT_ERR_CONNECTION_CLOSED');
  await closed;
  await assertSignedOut(session);
  assert.equal(w.told, ['on', 'off']);
});

test('close before signIn: signIn fails and never reaches the bus', async () => {
  const { session } = w.open();
  await session.close();
  await rejectsWith(session.signIn(BOB), 'CHAT_ERR_CONNECTION_CLOSED');
  await assertSignedOut(session);
  assert.is(w.calls.opened, 0);
  assert.equal(w.told, []);
});

test('a connection the server has closed (its close event still to come) is not signed in either', async () => {
  const { session, conn } = w.open();
  conn.fail('CHAT_ERR_IDLE_TIMEOUT');
  await rejectsWith(session.signIn(BOB), 'CHAT_ERR_CONNECTION_CLOSED');
  assert.is(w.calls.opened, 0);
  await session.close();
  await assertSignedOut(session);
});

test('signOut twice: the count is withdrawn once and friends are told once', async () => {
  const { session } = w.open();
  await session.signIn(BOB);
  await Promise.all([session.signOut(), session.signOut()]);
  await session.signOut();
  await session.close();
  await assertSignedOut(session);
  assert.is(w.calls.closed, 1);
  assert.equal(w.told, ['on', 'off']);
});

test('announcing presence fails: signIn rejects with the failure, and the session is signed out and can sign in again', async () => {
  const { session, conn } = w.open();
  w.friendsFail.on = true;
  let error: unknown;
  await session.signIn(BOB).catch((err) => (error = err));
  assert.match(String(error), /friends look-up failed/);
  await assertSignedOut(session);
  assert.equal(conn.failed, [], 'the connection stays open');
  w.friendsFail.on = false;
  await session.signIn(BOB);
  assert.ok(await online());
  assert.is(w.sessions.size, 1);
});

test('a signOut called while signIn is under way runs after it, in order', async () => {
  const { session } = w.open();
  w.openGate.close();
  const signIn = session.signIn(BOB);
  const signOut = session.signOut();
  w.openGate.open();
  await signIn;
  await signOut;
  await assertSignedOut(session);
  assert.equal(w.told, ['on', 'off']);
});

test('signIn on a signed-in session: CHAT_ERR_ALREADY_LOGGED_IN, nothing changes', async () => {
  const { session } = w.open();
  await session.signIn(BOB);
  await rejectsWith(session.signIn({ ...BOB, tokenHash: 'other' }), 'CHAT_ERR_ALREADY_LOGGED_IN');
  assert.is(session.user, BOB);
  assert.is(w.calls.opened, 1);
});

test("two sessions of one user: the first closing during the second's signIn leaves the user online", async () => {
  const a = w.open().session;
  const b = w.open().session;
  await a.signIn(BOB);
  w.openGate.close();
  const signIn = b.signIn(BOB);
  await settle();
  await a.close();
  w.openGate.open();
  await signIn;
  assert.ok(await online(), 'b keeps bob online');
  assert.is(w.sessions.size, 1);
  await b.close();
  await assertSignedOut(b);
  assert.equal(w.told, ['on', 'off']);
});

test('the login timer: it closes an anonymous connection, again after signOut, never a signed-in one', async () => {
  w = world(20);
  const { session, conn } = w.open();
  const deadline = Date.now() + 5000;
  while (conn.failed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(conn.failed, ['CHAT_ERR_LOGIN_TIMEOUT']);
  await session.close();

  const second = w.open();
  await second.session.signIn(BOB);
  await second.session.signOut();
  while (second.conn.failed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(second.conn.failed, ['CHAT_ERR_LOGIN_TIMEOUT'], 'signOut arms it again');
});

const presence = suite('Presence');
presence("one user's announcements are published in the order they were made, whatever their look-ups take", async () => {
  const published: string[] = [];
  const gates = [new Gate(), new Gate()];
  gates[0]!.close();
  let call = 0;
  const store = {
    friendsOf: async (): Promise<UserRow[]> => {
      await gates[call++]!.pass();
      return [{ id: ALICE, name: 'alice', passwordHash: '' } as UserRow];
    },
  };
  const p = new Presence(store, { publish: (e) => published.push(JSON.parse(e.frame).online ? 'on' : 'off') });
  const first = p.announce(BOB, false);
  const second = p.announce(BOB, true);
  await settle();
  gates[0]!.open();
  await Promise.all([first, second]);
  assert.equal(published, ['off', 'on']);
});

test.run();
presence.run();
