// test-timeout: 120
// Every request type against every relation it can have to its target, table-driven: allow
// or deny with the right code. The world is seeded straight into the store (one scrypt hash for
// everyone), then one real server answers every cell.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { SqliteStore } from '../../lib/db/sqlite-store.ts';
import { ANONYMOUS_TYPES, REQUEST_TYPES, type RequestType } from '../../lib/protocol/messages.ts';
import { nameKey } from '../../lib/protocol/names.ts';
import { hashPassword, hashToken } from '../../lib/server/credentials.ts';
import { sessionIdOf } from '../../lib/server/handlers/revoke.ts';
import { startServer, tempDir, type RunningServer } from '../helpers/server.ts';

type UserRelation = 'self' | 'friend' | 'pending-out' | 'pending-in' | 'stranger';
type GroupRelation = 'creator' | 'member' | 'non-member';
type ConversationRelation = 'member' | 'non-member';
const OK = 'ok';
type Outcome = typeof OK | `CHAT_ERR_${string}`;

// What the actor may do to a user, by relation.
const userMatrix: Record<string, Record<UserRelation, Outcome>> = {
  friend_add: { self: 'CHAT_ERR_SELF', friend: 'CHAT_ERR_ALREADY_FRIENDS', 'pending-out': 'CHAT_ERR_REQUEST_PENDING', 'pending-in': OK, stranger: OK },
  friend_accept: { self: 'CHAT_ERR_NO_REQUEST', friend: 'CHAT_ERR_ALREADY_FRIENDS', 'pending-out': 'CHAT_ERR_NO_REQUEST', 'pending-in': OK, stranger: 'CHAT_ERR_NO_REQUEST' },
  friend_decline: { self: 'CHAT_ERR_NO_REQUEST', friend: 'CHAT_ERR_NO_REQUEST', 'pending-out': 'CHAT_ERR_NO_REQUEST', 'pending-in': OK, stranger: 'CHAT_ERR_NO_REQUEST' },
  friend_remove: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': OK, 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  send: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  history: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
};
const userBody = (type: string, name: string): Record<string, unknown> =>
  type === 'send' ? { to: name, text: 'hi' } : type === 'history' ? { with: name } : { user: name };

const groupMatrix: Record<string, Record<GroupRelation, Outcome>> = {
  group_join: { creator: 'CHAT_ERR_ALREADY_MEMBER', member: 'CHAT_ERR_ALREADY_MEMBER', 'non-member': OK },
  group_leave: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  group_members: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  send: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  history: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
};
const groupBody = (type: string, group: string): Record<string, unknown> => (type === 'send' ? { group, text: 'hi' } : { group });

const conversationMatrix: Record<string, Record<ConversationRelation, Outcome>> = {
  sync: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  ack: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  read: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  history: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
};
// Requests about the actor's own account: what they name is one of the actor's sessions, a
// session of someone else, or the actor's password.
type SessionRelation = 'own-other' | 'own-current' | 'someone-elses' | 'unknown';
const sessionMatrix: Record<string, Record<SessionRelation, Outcome>> = {
  sessions_revoke: { 'own-other': OK, 'own-current': 'CHAT_ERR_SELF', 'someone-elses': 'CHAT_ERR_NO_SUCH_SESSION', unknown: 'CHAT_ERR_NO_SUCH_SESSION' },
};
const sessionTargets = new Map<SessionRelation, string>();
type PasswordRelation = 'right' | 'wrong';
const passwordMatrix: Record<string, Record<PasswordRelation, Outcome>> = {
  passwd: { right: OK, wrong: 'CHAT_ERR_AUTH_FAILED' },
  account_delete: { right: OK, wrong: 'CHAT_ERR_AUTH_FAILED' },
};

const conversationBody = (type: string, conversation: string): Record<string, unknown> =>
  type === 'ack' || type === 'read' ? { conversation, seq: 0 } : { conversation };

// A request that is valid in shape, for the logged-out column.
const sample: Record<RequestType, Record<string, unknown>> = {
  hello: { version: 1 }, register: { user: 'x', password: 'y' }, login: { token: 't' }, ping: {},
  logout: {}, passwd: { password: 'x', new_password: 'y' }, sessions: {}, sessions_revoke: { session: 's1' }, account_delete: { password: 'x' }, friends: {}, groups: {}, unread: {}, conversations: {},
  friend_add: { user: 'actor' }, friend_accept: { user: 'actor' }, friend_decline: { user: 'actor' }, friend_remove: { user: 'actor' },
  group_create: { group: 'g' }, group_join: { group: 'g' }, group_leave: { group: 'g' }, group_members: { group: 'g' },
  send: { to: 'actor', text: 'x' }, history: { with: 'actor' }, sync: { conversation: 'c1' },
  ack: { conversation: 'c1', seq: 0 }, read: { conversation: 'c1', seq: 0 },
};

const matrix = suite('authorization matrix');
let server: RunningServer;
let actor: ChatClient;
const PASSWORD = 'matrix-pw-123';
const userTargets = new Map<string, string>();
const groupTargets = new Map<string, string>();
const conversationTargets = new Map<string, string>();

matrix.before(async () => {
  const dbPath = join(tempDir().dir, 'chat.db');
  const store = SqliteStore.open(dbPath);
  const hash = await hashPassword(PASSWORD);
  const make = (name: string) => store.createUser(name, nameKey(name), hash);
  const me = await make('actor');
  const owner = await make('owner');
  await make('leaver');
  let i = 0;
  for (const type of Object.keys(userMatrix)) {
    for (const relation of Object.keys(userMatrix[type]!) as UserRelation[]) {
      if (relation === 'self') {
        userTargets.set(`${type}/${relation}`, 'actor');
        continue;
      }
      const other = await make(`u${++i}`);
      if (relation === 'friend') {
        await store.createFriendRequest(me.id, other.id);
        await store.acceptFriendRequest(other.id, me.id);
      } else if (relation === 'pending-out') await store.createFriendRequest(me.id, other.id);
      else if (relation === 'pending-in') await store.createFriendRequest(other.id, me.id);
      userTargets.set(`${type}/${relation}`, other.name);
    }
  }
  for (const type of Object.keys(groupMatrix)) {
    for (const relation of Object.keys(groupMatrix[type]!) as GroupRelation[]) {
      const name = `g${++i}`;
      const group = await store.createGroup(name, nameKey(name), '', relation === 'creator' ? me.id : owner.id);
      if (relation === 'member') await store.joinGroup(group.id, me.id);
      groupTargets.set(`${type}/${relation}`, name);
    }
  }
  for (const type of Object.keys(conversationMatrix)) {
    for (const relation of Object.keys(conversationMatrix[type]!) as ConversationRelation[]) {
      const a = relation === 'member' ? me : await make(`p${++i}`);
      const b = await make(`q${++i}`);
      await store.createFriendRequest(a.id, b.id);
      conversationTargets.set(`${type}/${relation}`, `c${await store.acceptFriendRequest(b.id, a.id)}`);
    }
  }
  await store.saveToken('own-other-token-hash', me.id, Date.now() + 3_600_000);
  await store.saveToken('someone-elses-token-hash', owner.id, Date.now() + 3_600_000);
  sessionTargets.set('own-other', sessionIdOf('own-other-token-hash'));
  sessionTargets.set('someone-elses', sessionIdOf('someone-elses-token-hash'));
  sessionTargets.set('unknown', sessionIdOf('no-such-token-hash'));
  await store.close();
  server = await startServer({ dbPath });
  actor = await ChatClient.connect({ host: server.host, port: server.port });
  const { token } = await actor.request('login', { user: 'actor', password: PASSWORD });
  sessionTargets.set('own-current', sessionIdOf(hashToken(token)));
});
matrix.after(async () => {
  actor?.destroy();
  await server?.stop();
});

async function outcome(client: ChatClient, type: string, body: Record<string, unknown>): Promise<Outcome> {
  try {
    await client.request(type as RequestType, body as never);
    return OK;
  } catch (err: any) {
    return err.code;
  }
}

matrix('requests that name a user, by relation to that user', async () => {
  for (const [type, row] of Object.entries(userMatrix)) {
    for (const [relation, expected] of Object.entries(row)) {
      const target = userTargets.get(`${type}/${relation}`)!;
      assert.is(await outcome(actor, type, userBody(type, target)), expected, `${type} → ${relation}`);
    }
  }
});

matrix('requests that name a group, by relation to that group', async () => {
  for (const [type, row] of Object.entries(groupMatrix)) {
    for (const [relation, expected] of Object.entries(row)) {
      const target = groupTargets.get(`${type}/${relation}`)!;
      assert.is(await outcome(actor, type, groupBody(type, target)), expected, `${type} → ${relation}`);
    }
  }
});

matrix('requests that name a conversation, by membership', async () => {
  for (const [type, row] of Object.entries(conversationMatrix)) {
    for (const [relation, expected] of Object.entries(row)) {
      const target = conversationTargets.get(`${type}/${relation}`)!;
      assert.is(await outcome(actor, type, conversationBody(type, target)), expected, `${type} → ${relation}`);
    }
  }
});

matrix('requests about the account, by what they name: a session, or the current password', async () => {
  for (const [type, row] of Object.entries(sessionMatrix)) {
    for (const [relation, expected] of Object.entries(row)) {
      const session = sessionTargets.get(relation as SessionRelation)!;
      assert.is(await outcome(actor, type, { session }), expected, `${type} → ${relation}`);
    }
  }
  for (const [type, row] of Object.entries(passwordMatrix)) {
    for (const [relation, expected] of Object.entries(row)) {
      // passwd: the same password again, keeping the sessions, so the matrix's world stays as it
      // is. account_delete with the right password deletes, so an account of its own asks it.
      const body = { password: relation === 'right' ? PASSWORD : 'not-the-password', new_password: PASSWORD, keep_sessions: true };
      let client = actor;
      if (type === 'account_delete' && relation === 'right') {
        client = await ChatClient.connect({ host: server.host, port: server.port });
        await client.request('login', { user: 'leaver', password: PASSWORD });
      }
      assert.is(await outcome(client, type, body), expected, `${type} → ${relation}`);
      if (client !== actor) client.destroy();
    }
  }
  assert.is(await outcome(actor, 'sessions', {}), OK, 'sessions (own only)');
  // logout all ends every session of the account, so another account's connection asks it.
  const owner = await ChatClient.connect({ host: server.host, port: server.port });
  await owner.request('login', { user: 'owner', password: PASSWORD });
  assert.is(await outcome(owner, 'logout', { all: true }), OK, 'logout all (own only)');
  owner.destroy();
  assert.is(await outcome(actor, 'ping', {}), OK, "another account's logout all leaves the actor alone");
  assert.is(await outcome(actor, 'friends', {}), OK);
});

matrix('logged out: everything but hello, register, login and ping is CHAT_ERR_NOT_LOGGED_IN', async () => {
  const anon = await ChatClient.connect({ host: server.host, port: server.port });
  try {
    for (const type of REQUEST_TYPES) {
      const got = await outcome(anon, type, sample[type]);
      if (ANONYMOUS_TYPES.has(type)) assert.is.not(got, 'CHAT_ERR_NOT_LOGGED_IN', type);
      else assert.is(got, 'CHAT_ERR_NOT_LOGGED_IN', type);
    }
  } finally {
    anon.destroy();
  }
});

matrix('a client-supplied sender is ignored: the stored sender is the session user', async () => {
  const target = userTargets.get('send/friend')!;
  const r = await actor.request('send', { to: target, text: 'spoof?', from: target, sender: target, user_id: 1 } as never);
  const page = await actor.request('history', { conversation: r.conversation, limit: 1 });
  assert.is(page.messages[0]!.from, 'actor');
});

matrix.run();
