// Handlers with a narrow fake context: the real SqliteStore on ':memory:' (no service needed),
// a Bus that records what is published, and an `append` that stores through the store (or is
// told what to answer). No sockets, no server.
import { ReceiptThrottle, TypingGate, systemClock } from '../../../lib/server/live-signals.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bus, BusEvent } from '../../../lib/bus/bus.ts';
import { SqliteStore } from '../../../lib/db/sqlite-store.ts';
import type { NewMessage, UserRow } from '../../../lib/db/store.ts';
import { createLogger } from '../../../lib/logger.ts';
import type { ChatError } from '../../../lib/protocol/errors.ts';
import { messageViewPush } from '../../../lib/protocol/frames.ts';
import { LineDecoder } from '../../../lib/protocol/framing.ts';
import { REQUEST_TYPES, type RequestOf, type RequestType, type Results } from '../../../lib/protocol/messages.ts';
import { nameKey } from '../../../lib/protocol/names.ts';
import type { SessionUser } from '../../../lib/server/connection.ts';
import { Deferred, EncodedResult, type HandlerContext, type SessionHandle } from '../../../lib/server/context.ts';
import { hashPassword, hashToken } from '../../../lib/server/credentials.ts';
import { handlers } from '../../../lib/server/handlers/index.ts';
import { Removals } from '../../../lib/server/removals.ts';
import { FailureThrottle } from '../../../lib/server/throttle.ts';
import { rejectsWith } from '../../helpers/assert.ts';
import { INVISIBLE_CODE_POINTS } from '../../helpers/invisible-names.ts';

class RecordingBus implements Bus {
  events: BusEvent[] = [];
  online = new Set<number>();
  publish(event: BusEvent): void {
    this.events.push(event);
  }
  subscribe(): void {}
  async sessionOpened(): Promise<boolean> {
    return true;
  }
  async sessionClosed(): Promise<boolean> {
    return true;
  }
  async onlineAmong(ids: number[]): Promise<Set<number>> {
    return new Set(ids.filter((id) => this.online.has(id)));
  }
  async close(): Promise<void> {}
}

type Stored = { seq: number; ts: number; duplicate: boolean };

const MAX_TEXT = 100;
const log = createLogger('silent');
let store: SqliteStore;
let bus: RecordingBus;
let removals: Removals;
let nextConn = 1;
let passwordHash: string;
const PASSWORD = 'correct horse battery';

interface Client {
  ctx: HandlerContext;
  session: SessionHandle & { user: SessionUser | null };
  appended: NewMessage[];
  /** replaces what append answers; default: store the message */
  appendWith: ((m: NewMessage) => Promise<Stored>) | null;
}

const loginThrottle = { byAccount: new FailureThrottle(1000, 60_000), byAddress: new FailureThrottle(1000, 60_000) };

function client(user: UserRow | null = null): Client {
  const session: Client['session'] = {
    id: `n1:${nextConn++}`,
    remote: '127.0.0.1',
    client: null,
    user: user && { id: user.id, name: user.name, tokenHash: 'test' },
    signIn: async (u) => {
      session.user = u;
    },
    signOut: async () => {
      session.user = null;
    },
  };
  const c: Client = {
    session,
    appended: [],
    appendWith: null,
    ctx: {
      session,
      store,
      bus,
      log,
      config: { nodeId: 'n1', maxLineBytes: 64 * 1024, maxTextLength: MAX_TEXT, tokenTtlMs: 3_600_000, registration: 'open' },
      loginThrottle,
      signals: { typing: new TypingGate(systemClock), receipts: new ReceiptThrottle(systemClock) },
      registerThrottle: new FailureThrottle(0, 60_000),
      removals,
      append: (m, done) => {
        c.appended.push(m);
        const stored = c.appendWith ? c.appendWith(m) : store.appendMessages([m]).then(([r]) => {
          if (!r!.ok) throw r!.error;
          return { seq: r!.seq, ts: r!.ts, duplicate: r!.duplicate };
        });
        stored.then((r) => done(null, r), (err: Error) => done(err, null));
      },
      moveCursor: (move, done) => {
        store.appendBatch([], [move]).then(({ moves: [r] }) => (r!.ok ? done(null, r!.seq) : done(r!.error, null)), (err: Error) => done(err, null));
      },
    },
  };
  return c;
}

/** Calls a handler and waits for a Deferred result too. */
async function call<T extends RequestType>(c: Client, type: T, body: RequestOf<T>): Promise<Results[T]> {
  const handler = handlers[type] as (ctx: HandlerContext, body: RequestOf<T>) => Promise<Results[T] | Deferred<Results[T]>>;
  const r = await handler(c.ctx, body);
  return unwrap(r instanceof Deferred ? await r.promise : r);
}

/** A pre-encoded result must be exactly what JSON.stringify would have written. */
function unwrap<T>(r: T | EncodedResult<T>): T {
  if (!(r instanceof EncodedResult)) return r;
  assert.is(r.json, JSON.stringify(r.value), 'the pre-encoded result matches JSON.stringify');
  return r.value;
}


const user = (name: string) => store.createUser(name, nameKey(name), passwordHash);

async function friends(a: UserRow, b: UserRow): Promise<number> {
  await store.createFriendRequest(a.id, b.id);
  return store.acceptFriendRequest(b.id, a.id);
}

/** Decodes a bus frame exactly as a client would: it must be one line. */
function decodeFrame(frame: string): Record<string, unknown> {
  const lines: string[] = [];
  const err = new LineDecoder().push(Buffer.from(frame), (l) => lines.push(l));
  assert.is(err, null);
  assert.is(lines.length, 1, 'one frame is one line');
  assert.ok(frame.endsWith('\n'));
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

function fresh(name: string) {
  const s = suite(name);
  s.before(async () => {
    passwordHash ??= await hashPassword(PASSWORD);
  });
  s.before.each(() => {
    store = SqliteStore.open(':memory:');
    bus = new RecordingBus();
    removals = new Removals();
  });
  s.after.each(async () => {
    await store.close();
  });
  return s;
}

// ---------------------------------------------------------------------------------------------

const table = suite('handlers table');

table('has exactly one handler per request type', () => {
  assert.equal(Object.keys(handlers).sort(), [...REQUEST_TYPES].sort());
  for (const type of REQUEST_TYPES) assert.type(handlers[type], 'function', type);
});

// ---------------------------------------------------------------------------------------------

const send = fresh('send');

send('to a non-friend fails with CHAT_ERR_NOT_FRIENDS and stores nothing', async () => {
  const alice = await user('alice');
  await user('bob');
  const c = client(alice);
  await rejectsWith(call(c, 'send', { to: 'bob', text: 'hi' }), 'CHAT_ERR_NOT_FRIENDS');
  await store.createFriendRequest(alice.id, (await store.userByKey('bob'))!.id);
  await rejectsWith(call(c, 'send', { to: 'BOB', text: 'hi' }), 'CHAT_ERR_NOT_FRIENDS'); // a pending request is not friendship
  assert.equal(c.appended, []);
  assert.equal(bus.events, []);
});

send('to oneself fails with CHAT_ERR_NOT_FRIENDS', async () => {
  const alice = await user('alice');
  await rejectsWith(call(client(alice), 'send', { to: 'Alice', text: 'hi me' }), 'CHAT_ERR_NOT_FRIENDS');
});

send('to an unknown user fails with CHAT_ERR_NO_SUCH_USER', async () => {
  const alice = await user('alice');
  await rejectsWith(call(client(alice), 'send', { to: 'nobody', text: 'hi' }), 'CHAT_ERR_NO_SUCH_USER');
});

send('with both or neither of to and group fails with CHAT_ERR_BAD_FIELD', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  await store.createGroup('devs', 'devs', '', alice.id);
  const c = client(alice);
  await rejectsWith(call(c, 'send', { to: 'bob', group: 'devs', text: 'hi' }), 'CHAT_ERR_BAD_FIELD');
  await rejectsWith(call(c, 'send', { text: 'hi' }), 'CHAT_ERR_BAD_FIELD');
  assert.equal(c.appended, []);
});

send('text longer than maxTextLength fails with CHAT_ERR_TEXT_TOO_LONG; exactly the limit passes', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  const c = client(alice);
  await rejectsWith(call(c, 'send', { to: 'bob', text: 'x'.repeat(MAX_TEXT + 1) }), 'CHAT_ERR_TEXT_TOO_LONG');
  assert.equal(c.appended, []);
  const r = await call(c, 'send', { to: 'bob', text: 'x'.repeat(MAX_TEXT) });
  assert.is(r.seq, 1);
});

send('a lone surrogate in the text fails with CHAT_ERR_BAD_FIELD', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  await rejectsWith(call(client(alice), 'send', { to: 'bob', text: 'broken \ud83d' }), 'CHAT_ERR_BAD_FIELD');
});

send('to a group by a non-member fails with CHAT_ERR_NOT_MEMBER; to no group with CHAT_ERR_NO_SUCH_GROUP', async () => {
  const alice = await user('alice');
  const eve = await user('eve');
  await store.createGroup('devs', 'devs', '', alice.id);
  const c = client(eve);
  await rejectsWith(call(c, 'send', { group: 'devs', text: 'let me in' }), 'CHAT_ERR_NOT_MEMBER');
  await rejectsWith(call(c, 'send', { group: 'nope', text: 'hi' }), 'CHAT_ERR_NO_SUCH_GROUP');
  assert.equal(c.appended, []);
  assert.equal(bus.events, []);
});

send('a group send returns a Deferred and, once stored, publishes one event for every member but this session', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const carol = await user('carol');
  await user('dave'); // not a member: must not be woken
  const group = await store.createGroup('Devs', 'devs', 'd', alice.id);
  await store.joinGroup(group.id, bob.id);
  await store.joinGroup(group.id, carol.id);
  const c = client(alice);

  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  c.appendWith = async (m) => {
    await gate;
    const [r] = await store.appendMessages([m]);
    return r!.ok ? { seq: r!.seq, ts: r!.ts, duplicate: r!.duplicate } : Promise.reject(r!.error);
  };
  const returned = await handlers.send(c.ctx, { group: 'devs', text: 'hello 😀\nline two', client_msg_id: 'm-1' });
  assert.instance(returned, Deferred);
  assert.equal(bus.events, [], 'nothing is published before the message is stored');
  assert.is(c.appended.length, 1);
  assert.equal(
    { ...c.appended[0]!, ts: 0 },
    { conversationId: group.conversationId, senderId: alice.id, text: 'hello 😀\nline two', clientMsgId: 'm-1', ts: 0, friendId: undefined },
  );

  release();
  const result = unwrap(await (returned as Deferred<Results['send'] | EncodedResult<Results['send']>>).promise);
  assert.is(result.seq, 1);
  assert.is(result.duplicate, false);
  assert.is(result.conversation, `c${group.conversationId}`);

  assert.is(bus.events.length, 1);
  const event = bus.events[0]!;
  assert.equal([...event.users].sort(), [alice.id, bob.id, carol.id].sort(), 'every member, the sender included (for her other sessions)');
  assert.is(event.exceptConn, c.session.id);
  const frame = decodeFrame(event.frame);
  const expected = {
    type: 'message', conversation: result.conversation, seq: 1, from: 'alice', group: 'Devs',
    text: 'hello 😀\nline two', ts: result.ts, client_msg_id: 'm-1',
  };
  assert.equal(frame, expected);
  assert.is(event.frame, JSON.stringify(expected) + '\n', 'the hand-written frame is byte for byte what JSON.stringify writes');
});

send('a kick that commits while a group message waits in the writer: the kicked user gets no push of it', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const carol = await user('carol');
  const group = await store.createGroup('Devs', 'devs', '', alice.id);
  await store.joinGroup(group.id, bob.id);
  await store.joinGroup(group.id, carol.id);
  const sender = client(bob);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  sender.appendWith = async (m) => {
    await gate; // the batch is queued: the member list was read, the commit has not happened
    const [r] = await store.appendMessages([m]);
    return r!.ok ? { seq: r!.seq, ts: r!.ts, duplicate: r!.duplicate } : Promise.reject(r!.error);
  };
  const queued = await handlers.send(sender.ctx, { group: 'devs', text: 'after the kick' });
  await call(client(alice), 'group_kick', { group: 'devs', user: 'carol' });
  release();
  await (queued as Deferred<unknown>).promise;
  const message = () => bus.events.find((e) => e.frame.startsWith('{"type":"message"'));
  for (let i = 0; i < 100 && message() === undefined; i++) await new Promise((r) => setImmediate(r));
  assert.ok(message(), 'the message is pushed');
  assert.equal([...message()!.users].sort(), [alice.id, bob.id].sort(), 'to the members at commit, not to carol');

  // Without a removal in between, the push goes out in the callback that acks, to the list read before.
  bus.events = [];
  sender.appendWith = null;
  await call(sender, 'send', { group: 'devs', text: 'plain' });
  assert.equal([...message()!.users].sort(), [alice.id, bob.id].sort());
});

send('a direct send publishes to both friends and acks with the stored seq', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const conv = await friends(alice, bob);
  const c = client(alice);
  const first = await call(c, 'send', { to: 'Bob', text: 'one' });
  const second = await call(c, 'send', { to: 'bob', text: 'two' });
  assert.equal([first.seq, second.seq], [1, 2]);
  assert.is(first.conversation, `c${conv}`);
  assert.is(bus.events.length, 2);
  assert.equal([...bus.events[1]!.users].sort(), [alice.id, bob.id].sort());
  const frame = decodeFrame(bus.events[1]!.frame);
  assert.is(bus.events[1]!.frame, JSON.stringify({
    type: 'message', conversation: second.conversation, seq: 2, from: 'alice', to: 'bob', text: 'two', ts: second.ts,
  }) + '\n');
  assert.is(frame.to, 'bob');
  assert.is(frame.from, 'alice');
  assert.is(frame.seq, 2);
  assert.not.ok('client_msg_id' in frame);
  assert.equal(c.appended.map((m) => m.friendId), [bob.id, bob.id], 'the friendship is checked again when the batch commits');
});

send('to a former friend: refused when the batch commits, nothing published', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  const c = client(alice);
  await call(c, 'send', { to: 'bob', text: 'one' });
  await store.removeFriendship(bob.id, alice.id);
  await rejectsWith(call(c, 'send', { to: 'bob', text: 'two' }), 'CHAT_ERR_NOT_FRIENDS');
  assert.is(bus.events.length, 1, 'only the first message was published');
});

send('a duplicate (append answers duplicate: true) publishes nothing and acks the original seq', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  const c = client(alice);
  c.appendWith = async () => ({ seq: 4, ts: 1_700_000_000_000, duplicate: true });
  const r = await call(c, 'send', { to: 'bob', text: 'again', client_msg_id: 'm-9' });
  assert.equal(r.seq, 4);
  assert.is(r.duplicate, true);
  assert.is(r.ts, new Date(1_700_000_000_000).toISOString());
  assert.equal(bus.events, []);
});

send('a retried send with the same client_msg_id is stored once and published once', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  const c = client(alice);
  const first = await call(c, 'send', { to: 'bob', text: 'once', client_msg_id: 'retry-1' });
  const retry = await call(c, 'send', { to: 'bob', text: 'once', client_msg_id: 'retry-1' });
  assert.is(retry.seq, first.seq);
  assert.is(retry.duplicate, true);
  assert.is(bus.events.length, 1);
});

send('a client_msg_id reused in another conversation is refused, never acked with the other conversation\'s seq', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  await store.createGroup('devs', 'devs', '', alice.id);
  const c = client(alice);
  const direct = await call(c, 'send', { to: 'bob', text: 'to bob', client_msg_id: 'same' });
  assert.is(direct.duplicate, false);
  try {
    await call(c, 'send', { group: 'devs', text: 'to the group', client_msg_id: 'same' });
    assert.unreachable('a reused client_msg_id was acked');
  } catch (err) {
    assert.is((err as ChatError).code, 'CHAT_ERR_CLIENT_MSG_ID_REUSED');
  }
});

// ---------------------------------------------------------------------------------------------

const friendship = fresh('friend_add / friend_accept');

friendship('friend_add sends a request; when the other already asked, it is accepted at once', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const first = await call(client(alice), 'friend_add', { user: 'bob' });
  assert.equal(first, { user: 'bob', status: 'pending' });
  assert.is(bus.events.length, 1);
  assert.equal(bus.events[0]!.users, [bob.id]);
  assert.equal(decodeFrame(bus.events[0]!.frame), { type: 'friend_request', from: 'alice' });

  const second = await call(client(bob), 'friend_add', { user: 'ALICE' });
  const direct = await store.directConversation(alice.id, bob.id);
  assert.ok(direct !== null);
  assert.equal(second, { user: 'alice', status: 'accepted', conversation: `c${direct}` });
  assert.is(await store.relation(alice.id, bob.id), 'friends');
  assert.equal(bus.events[1]!.users, [alice.id]);
  assert.equal(decodeFrame(bus.events[1]!.frame), { type: 'friend_update', user: 'bob', status: 'accepted' });
});

friendship('friend_add to oneself, twice, or to a friend fails with its own code', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const c = client(alice);
  await rejectsWith(call(c, 'friend_add', { user: 'alice' }), 'CHAT_ERR_SELF');
  await call(c, 'friend_add', { user: 'bob' });
  await rejectsWith(call(c, 'friend_add', { user: 'bob' }), 'CHAT_ERR_REQUEST_PENDING');
  await call(client(bob), 'friend_accept', { user: 'alice' });
  await rejectsWith(call(c, 'friend_add', { user: 'bob' }), 'CHAT_ERR_ALREADY_FRIENDS');
  await rejectsWith(call(c, 'friend_add', { user: 'nobody' }), 'CHAT_ERR_NO_SUCH_USER');
});

friendship('friend_accept without a request fails with CHAT_ERR_NO_REQUEST', async () => {
  const alice = await user('alice');
  await user('bob');
  await rejectsWith(call(client(alice), 'friend_accept', { user: 'bob' }), 'CHAT_ERR_NO_REQUEST');
  // nor can the one who asked accept her own request
  await call(client(alice), 'friend_add', { user: 'bob' });
  await rejectsWith(call(client(alice), 'friend_accept', { user: 'bob' }), 'CHAT_ERR_NO_REQUEST');
});

friendship('friend_accept of a real request returns the direct conversation', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await call(client(alice), 'friend_add', { user: 'bob' });
  const r = await call(client(bob), 'friend_accept', { user: 'alice' });
  assert.is(r.user, 'alice');
  assert.is(r.conversation, `c${await store.directConversation(alice.id, bob.id)}`);
});

// ---------------------------------------------------------------------------------------------

const register = fresh('register');

register('a short password fails with CHAT_ERR_BAD_PASSWORD', async () => {
  await rejectsWith(call(client(), 'register', { user: 'alice', password: '1234567' }), 'CHAT_ERR_BAD_PASSWORD');
  assert.is(await store.userByKey('alice'), null);
});

register('a bad name fails with CHAT_ERR_BAD_NAME', async () => {
  for (const name of [' alice', 'alice ', 'al\u202eice', 'a\u0000b', 'x'.repeat(51), 'zero\u200bwidth']) {
    await rejectsWith(call(client(), 'register', { user: name, password: PASSWORD }), 'CHAT_ERR_BAD_NAME');
  }
});

register('a name with a character that renders as nothing fails with CHAT_ERR_BAD_NAME, for users and groups', async () => {
  const alice = await call(client(), 'register', { user: 'alice', password: PASSWORD });
  const creator = client((await store.userByKey('alice'))!);
  await call(creator, 'group_create', { group: 'devs' });
  for (const cp of INVISIBLE_CODE_POINTS) {
    const c = String.fromCodePoint(cp);
    await rejectsWith(call(client(), 'register', { user: `alice${c}`, password: PASSWORD }), 'CHAT_ERR_BAD_NAME');
    await rejectsWith(call(client(), 'register', { user: `bo${c}b`, password: PASSWORD }), 'CHAT_ERR_BAD_NAME');
    await rejectsWith(call(creator, 'group_create', { group: `devs${c}` }), 'CHAT_ERR_BAD_NAME');
    await rejectsWith(call(creator, 'group_create', { group: `${c}ops` }), 'CHAT_ERR_BAD_NAME');
  }
  assert.is(alice.user, 'alice');
  assert.equal((await call(creator, 'groups', {})).groups.map((g) => g.name), ['devs']);
});

register('a name taken in another case fails with CHAT_ERR_NAME_TAKEN', async () => {
  const r = await call(client(), 'register', { user: 'Alice', password: PASSWORD });
  assert.is(r.user, 'Alice');
  for (const name of ['alice', 'ALICE', 'aLiCe']) {
    await rejectsWith(call(client(), 'register', { user: name, password: PASSWORD }), 'CHAT_ERR_NAME_TAKEN');
  }
});

register('a name taken in another normal form or with ẞ fails with CHAT_ERR_NAME_TAKEN', async () => {
  await call(client(), 'register', { user: 'José', password: PASSWORD });
  await rejectsWith(call(client(), 'register', { user: 'JOSE\u0301', password: PASSWORD }), 'CHAT_ERR_NAME_TAKEN');
  await call(client(), 'register', { user: 'straße', password: PASSWORD });
  await rejectsWith(call(client(), 'register', { user: 'STRAẞE', password: PASSWORD }), 'CHAT_ERR_NAME_TAKEN');
  await rejectsWith(call(client(), 'register', { user: 'Strasse', password: PASSWORD }), 'CHAT_ERR_NAME_TAKEN');
});

// ---------------------------------------------------------------------------------------------

const login = fresh('login and hello');

login('a wrong password and an unknown user both fail with CHAT_ERR_AUTH_FAILED', async () => {
  await user('alice');
  const c = client();
  await rejectsWith(call(c, 'login', { user: 'alice', password: 'wrong password' }), 'CHAT_ERR_AUTH_FAILED');
  await rejectsWith(call(c, 'login', { user: 'nobody', password: PASSWORD }), 'CHAT_ERR_AUTH_FAILED');
  await rejectsWith(call(c, 'login', { user: ' bad name', password: PASSWORD }), 'CHAT_ERR_AUTH_FAILED');
  assert.is(c.session.user, null);
});

login('a password login signs in and returns a token that logs in again', async () => {
  const alice = await user('Alice');
  const first = client();
  const r = await call(first, 'login', { user: 'ALICE', password: PASSWORD });
  assert.is(r.user, 'Alice');
  assert.is(r.user_id, alice.id);
  assert.equal(first.session.user && { id: first.session.user.id, name: first.session.user.name }, { id: alice.id, name: 'Alice' });
  assert.ok(r.token.length >= 32);
  assert.not.ok(Number.isNaN(Date.parse(r.token_expires)));

  const second = client();
  const resumed = await call(second, 'login', { token: r.token });
  assert.is(resumed.user_id, alice.id);
  assert.is(resumed.token, r.token);
  assert.is(second.session.user?.id, alice.id);
});

login('a bogus token fails with CHAT_ERR_TOKEN_INVALID; a logged-out token too', async () => {
  await user('alice');
  await rejectsWith(call(client(), 'login', { token: 'not-a-token' }), 'CHAT_ERR_TOKEN_INVALID');
  const c = client();
  const { token } = await call(c, 'login', { user: 'alice', password: PASSWORD });
  await call(c, 'logout', {});
  assert.is(c.session.user, null);
  await rejectsWith(call(client(), 'login', { token }), 'CHAT_ERR_TOKEN_INVALID');
});

login('a suspension that commits while a login runs is caught after sign-in: signed out again, token revoked', async () => {
  // The node's poll of the admin actions closes the sessions signed in before it ran; a login
  // past its own checks whose session registers after the poll must still be refused.
  const alice = await user('alice');
  const suspend = { actor: 'op', action: 'suspend' as const, targetId: alice.id, target: 'alice', at: Date.now(), detail: {} };
  await store.accounts.setSuspended(alice.id, true, suspend);
  await store.saveToken(hashToken('late-token'), alice.id, Date.now() + 60_000); // made by a login already past its checks
  const c = client();
  await rejectsWith(call(c, 'login', { token: 'late-token' }), 'CHAT_ERR_SUSPENDED');
  assert.is(c.session.user, null);
  assert.equal(await store.accounts.tokensOf(alice.id, 0), []);
  await rejectsWith(call(client(), 'login', { user: 'alice', password: PASSWORD }), 'CHAT_ERR_SUSPENDED');
  await store.accounts.setSuspended(alice.id, false, { ...suspend, action: 'unsuspend' });
  await call(client(), 'login', { user: 'alice', password: PASSWORD });
});

login('passwd refuses a wrong current password, counting it as a failed login, and changes it otherwise', async () => {
  const alice = await user('alice');
  const c = client(alice);
  await rejectsWith(call(c, 'passwd', { password: 'not it at all', new_password: 'another good one' }), 'CHAT_ERR_AUTH_FAILED');
  await rejectsWith(call(c, 'passwd', { password: PASSWORD, new_password: 'short' }), 'CHAT_ERR_BAD_PASSWORD');
  assert.equal(await call(c, 'passwd', { password: PASSWORD, new_password: 'another good one' }), { revoked: 0 });
  await rejectsWith(call(client(), 'login', { user: 'alice', password: PASSWORD }), 'CHAT_ERR_AUTH_FAILED');
  await call(client(), 'login', { user: 'alice', password: 'another good one' });
  const closes = bus.events.filter((e) => e.close);
  assert.is(closes.length, 1);
  assert.equal([closes[0]!.users, closes[0]!.exceptConn, closes[0]!.close], [[alice.id], c.session.id, {}]);
});

login('logging in twice on one connection fails with CHAT_ERR_ALREADY_LOGGED_IN', async () => {
  const alice = await user('alice');
  await rejectsWith(call(client(alice), 'login', { user: 'alice', password: PASSWORD }), 'CHAT_ERR_ALREADY_LOGGED_IN');
});

login('hello with version 2 fails with CHAT_ERR_PROTOCOL_VERSION; version 1 answers', async () => {
  await rejectsWith(call(client(), 'hello', { version: 2 }), 'CHAT_ERR_PROTOCOL_VERSION');
  await rejectsWith(call(client(), 'hello', { version: 0 }), 'CHAT_ERR_PROTOCOL_VERSION');
  const r = await call(client(), 'hello', { version: 1, client: 'unit' });
  assert.equal(r, { version: 1, server: 'chat', node: 'n1', max_line: 64 * 1024 });
});

// ---------------------------------------------------------------------------------------------

const conversations = fresh('history and sync');

conversations('history and sync of a conversation one is not in fail with CHAT_ERR_NO_SUCH_CONVERSATION', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const eve = await user('eve');
  const direct = await friends(alice, bob);
  const group = await store.createGroup('devs', 'devs', '', alice.id);
  await call(client(alice), 'send', { to: 'bob', text: 'secret' });
  const c = client(eve);
  for (const id of [direct, group.conversationId]) {
    await rejectsWith(call(c, 'history', { conversation: `c${id}` }), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    await rejectsWith(call(c, 'sync', { conversation: `c${id}` }), 'CHAT_ERR_NO_SUCH_CONVERSATION');
  }
  for (const id of ['c999', 'x1', 'c0', 'c01', '1', 'c1e3', 'c99999999999999999']) {
    await rejectsWith(call(c, 'history', { conversation: id }), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    await rejectsWith(call(c, 'sync', { conversation: id }), 'CHAT_ERR_NO_SUCH_CONVERSATION');
  }
  await rejectsWith(call(c, 'history', { group: 'devs' }), 'CHAT_ERR_NOT_MEMBER');
  await rejectsWith(call(c, 'history', { with: 'bob' }), 'CHAT_ERR_NOT_FRIENDS');
});

conversations('history needs exactly one of with, group and conversation', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await friends(alice, bob);
  await rejectsWith(call(client(alice), 'history', {}), 'CHAT_ERR_BAD_FIELD');
  await rejectsWith(call(client(alice), 'history', { with: 'bob', group: 'devs' }), 'CHAT_ERR_BAD_FIELD');
});

conversations('sync pages forward from the delivered cursor; history pages backward', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const conv = await friends(alice, bob);
  const a = client(alice);
  for (let i = 1; i <= 5; i++) await call(a, 'send', { to: 'bob', text: `m${i}` });
  const b = client(bob);
  const page1 = await call(b, 'sync', { conversation: `c${conv}`, limit: 3 });
  assert.equal(page1.messages.map((m) => m.seq), [1, 2, 3]);
  assert.is(page1.more, true);
  assert.equal(page1.messages[0], { conversation: `c${conv}`, seq: 1, kind: 'message', from: 'alice', to: 'bob', text: 'm1', ts: page1.messages[0]!.ts });
  const page2 = await call(b, 'sync', { conversation: `c${conv}`, after: 3, limit: 3 });
  assert.equal(page2.messages.map((m) => m.seq), [4, 5]);
  assert.is(page2.more, false);
  await call(b, 'ack', { conversation: `c${conv}`, seq: 4 });
  assert.equal((await call(b, 'sync', { conversation: `c${conv}` })).messages.map((m) => m.seq), [5]);
  const back = await call(b, 'history', { with: 'alice', before: 5, limit: 2 });
  assert.equal(back.messages.map((m) => m.seq), [3, 4]);
});

conversations('history reads its page again when an event commits meanwhile, so last_seq covers exactly what is folded in', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const conv = await friends(alice, bob);
  const a = client(alice);
  await call(a, 'send', { to: 'bob', text: 'm1' });
  const b = client(bob);
  // bob's reaction commits while alice's page is being read (between its reads)
  const read = store.messagesBefore.bind(store);
  let raced = false;
  store.messagesBefore = async (...args) => {
    const page = await read(...args);
    if (!raced) {
      raced = true;
      await call(b, 'react', { with: 'alice', seq: 1, emoji: '👍' });
    }
    return page;
  };
  try {
    const r = await call(a, 'history', { with: 'bob' });
    assert.is(r.last_seq, 2, 'the page was read again, after the reaction (seq 2)');
    assert.equal(r.messages[0]!.reactions, [{ emoji: '👍', count: 1, me: false }]);
  } finally {
    store.messagesBefore = read;
  }
  void conv;
});

conversations('history and sync messages carry the keys of the message push, in its order', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const conv = await friends(alice, bob);
  const group = await store.createGroup('devs', nameKey('devs'), '', alice.id);
  const a = client(alice);
  await call(a, 'send', { to: 'bob', text: 'direct', client_msg_id: 'd-1' });
  await call(a, 'send', { to: 'bob', text: 'no id' });
  await call(a, 'send', { group: 'devs', text: 'grouped', client_msg_id: 'g-1' });
  const live = bus.events.map((e) => e.frame);
  const b = client(bob);
  const synced = (await call(b, 'sync', { conversation: `c${conv}` })).messages;
  assert.equal(synced.map((m) => m.kind), ['message', 'message'], 'sync names each entry\'s kind');
  const views = [
    ...synced.map(({ kind: _kind, ...m }) => m),
    ...(await call(a, 'history', { conversation: `c${group.conversationId}` })).messages,
  ];
  assert.equal(views.map((m) => JSON.stringify({ type: 'message', ...m }) + '\n'), live, 'a stored message reads as it was pushed, byte for byte');
  for (const m of views) assert.is(messageViewPush(m), JSON.stringify({ type: 'message', ...m }) + '\n');
});

table.run();
send.run();
friendship.run();
register.run();
login.run();
conversations.run();
