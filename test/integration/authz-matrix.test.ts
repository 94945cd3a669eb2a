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
import { hashPassword } from '../../lib/server/credentials.ts';
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
  mute: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  typing: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  receipts: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  search: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
};
// Requests that need a stored message in their conversation (receipts name a seq): one is seeded.
const NEEDS_MESSAGE = new Set(['receipts']);
const userBody = (type: string, name: string): Record<string, unknown> =>
  type === 'send' ? { to: name, text: 'hi' } : type === 'history' ? { with: name } : type === 'search' ? { query: 'hi', with: name } : type === 'mute' ? { with: name, level: 'none' }
    : type === 'typing' ? { with: name } : type === 'receipts' ? { with: name, seq: 1 } : { user: name };

const groupMatrix: Record<string, Record<GroupRelation, Outcome>> = {
  group_join: { creator: 'CHAT_ERR_ALREADY_MEMBER', member: 'CHAT_ERR_ALREADY_MEMBER', 'non-member': OK },
  group_leave: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  group_members: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  send: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  history: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  mute: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  typing: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  receipts: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
  search: { creator: OK, member: OK, 'non-member': 'CHAT_ERR_NOT_MEMBER' },
};
const groupBody = (type: string, group: string): Record<string, unknown> =>
  type === 'send' ? { group, text: 'hi' } : type === 'search' ? { group, query: 'hi' } : type === 'mute' ? { group, level: 'mentions' } : type === 'receipts' ? { group, seq: 1 } : { group };

const conversationMatrix: Record<string, Record<ConversationRelation, Outcome>> = {
  sync: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  ack: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  read: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  history: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  mute: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  typing: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  receipts: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
  search: { member: OK, 'non-member': 'CHAT_ERR_NO_SUCH_CONVERSATION' },
};
const conversationBody = (type: string, conversation: string): Record<string, unknown> =>
  type === 'ack' || type === 'read' ? { conversation, seq: 0 } : type === 'search' ? { conversation, query: 'hi' } : type === 'mute' ? { conversation, level: 'all' } : type === 'receipts' ? { conversation, seq: 1 } : { conversation };

// Edits, deletions and reactions on one message, by whose message it is and where the actor stands.
type MessageRelation = 'own' | 'friend-s' | 'member-other-s' | 'creator-other-s' | 'left-group' | 'ex-friend-own' | 'outsider' | 'no-such-seq';
const messageMatrix: Record<string, Record<MessageRelation, Outcome>> = {
  edit: {
    own: OK, 'friend-s': 'CHAT_ERR_NOT_YOURS', 'member-other-s': 'CHAT_ERR_NOT_YOURS', 'creator-other-s': 'CHAT_ERR_NOT_YOURS',
    'left-group': 'CHAT_ERR_NO_SUCH_CONVERSATION', 'ex-friend-own': 'CHAT_ERR_NOT_FRIENDS', outsider: 'CHAT_ERR_NO_SUCH_CONVERSATION', 'no-such-seq': 'CHAT_ERR_NO_SUCH_MESSAGE',
  },
  delete: {
    own: OK, 'friend-s': 'CHAT_ERR_NOT_YOURS', 'member-other-s': 'CHAT_ERR_NOT_YOURS', 'creator-other-s': OK,
    'left-group': 'CHAT_ERR_NO_SUCH_CONVERSATION', 'ex-friend-own': 'CHAT_ERR_NOT_FRIENDS', outsider: 'CHAT_ERR_NO_SUCH_CONVERSATION', 'no-such-seq': 'CHAT_ERR_NO_SUCH_MESSAGE',
  },
  react: {
    own: OK, 'friend-s': OK, 'member-other-s': OK, 'creator-other-s': OK,
    'left-group': 'CHAT_ERR_NO_SUCH_CONVERSATION', 'ex-friend-own': 'CHAT_ERR_NOT_FRIENDS', outsider: 'CHAT_ERR_NO_SUCH_CONVERSATION', 'no-such-seq': 'CHAT_ERR_NO_SUCH_MESSAGE',
  },
};
const messageBody = (type: string, target: { conversation: string; seq: number }): Record<string, unknown> =>
  type === 'edit' ? { ...target, text: 'changed' } : type === 'react' ? { ...target, emoji: '👍' } : target;

// A request that is valid in shape, for the logged-out column.
const sample: Record<RequestType, Record<string, unknown>> = {
  hello: { version: 1 }, register: { user: 'x', password: 'y' }, login: { token: 't' }, ping: {},
  logout: {}, friends: {}, groups: {}, unread: {}, conversations: {},
  friend_add: { user: 'actor' }, friend_accept: { user: 'actor' }, friend_decline: { user: 'actor' }, friend_remove: { user: 'actor' },
  group_create: { group: 'g' }, group_join: { group: 'g' }, group_leave: { group: 'g' }, group_members: { group: 'g' },
  send: { to: 'actor', text: 'x' }, history: { with: 'actor' }, sync: { conversation: 'c1' },
  ack: { conversation: 'c1', seq: 0 }, read: { conversation: 'c1', seq: 0 }, search: { query: 'x' },
  mute: { conversation: 'c1', level: 'none' }, typing: { conversation: 'c1' }, receipts: { conversation: 'c1', seq: 1 },
  edit: { conversation: 'c1', seq: 1, text: 'x' }, delete: { conversation: 'c1', seq: 1 }, react: { conversation: 'c1', seq: 1, emoji: '👍' },
};

const matrix = suite('authorization matrix');
let server: RunningServer;
let actor: ChatClient;
const PASSWORD = 'matrix-pw-123';
const userTargets = new Map<string, string>();
const groupTargets = new Map<string, string>();
const conversationTargets = new Map<string, string>();
const messageTargets = new Map<string, { conversation: string; seq: number }>();

matrix.before(async () => {
  const dbPath = join(tempDir().dir, 'chat.db');
  const store = SqliteStore.open(dbPath);
  const hash = await hashPassword(PASSWORD);
  const make = (name: string) => store.createUser(name, nameKey(name), hash);
  const me = await make('actor');
  const seedMessage = async (conversationId: number, senderId: number) => {
    const [r] = await store.appendMessages([{ conversationId, senderId, text: 'seeded', clientMsgId: null, ts: Date.now() }]);
    if (!r!.ok) throw r!.error;
  };
  const owner = await make('owner');
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
        const conv = await store.acceptFriendRequest(other.id, me.id);
        if (NEEDS_MESSAGE.has(type)) await seedMessage(conv, other.id);
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
      const author = relation === 'creator' ? me.id : owner.id;
      await store.appendMessages([{ conversationId: group.conversationId, senderId: author, text: `matrix secret ${name} ${relation}`, clientMsgId: null, ts: Date.now() }]);
      if (NEEDS_MESSAGE.has(type)) await seedMessage(group.conversationId, relation === 'creator' ? me.id : owner.id);
      groupTargets.set(`${type}/${relation}`, name);
    }
  }
  for (const type of Object.keys(conversationMatrix)) {
    for (const relation of Object.keys(conversationMatrix[type]!) as ConversationRelation[]) {
      const a = relation === 'member' ? me : await make(`p${++i}`);
      const b = await make(`q${++i}`);
      await store.createFriendRequest(a.id, b.id);
      const conv = await store.acceptFriendRequest(b.id, a.id);
      if (NEEDS_MESSAGE.has(type)) await seedMessage(conv, b.id);
      conversationTargets.set(`${type}/${relation}`, `c${conv}`);
      await store.appendMessages([{ conversationId: conv, senderId: b.id, text: `matrix secret ${type} ${relation}`, clientMsgId: null, ts: Date.now() }]);
    }
  }
  const sendOne = async (conversationId: number, senderId: number): Promise<number> => {
    const [r] = await store.appendMessages([{ conversationId, senderId, text: 'target', clientMsgId: null, ts: Date.now() }]);
    if (!r!.ok) throw r!.error;
    return r!.seq;
  };
  for (const type of Object.keys(messageMatrix)) {
    for (const relation of Object.keys(messageMatrix[type]!) as MessageRelation[]) {
      const other = await make(`m${++i}`);
      let conv: number;
      let seq: number;
      if (relation === 'own' || relation === 'friend-s' || relation === 'ex-friend-own' || relation === 'no-such-seq') {
        await store.createFriendRequest(me.id, other.id);
        conv = await store.acceptFriendRequest(other.id, me.id);
        seq = await sendOne(conv, relation === 'friend-s' ? other.id : me.id);
        if (relation === 'ex-friend-own') await store.removeFriendship(me.id, other.id);
        if (relation === 'no-such-seq') seq = 99;
      } else if (relation === 'outsider') {
        const third = await make(`m${++i}`);
        await store.createFriendRequest(third.id, other.id);
        conv = await store.acceptFriendRequest(other.id, third.id);
        seq = await sendOne(conv, other.id);
      } else {
        const name = `mg${++i}`;
        const group = await store.createGroup(name, nameKey(name), '', relation === 'creator-other-s' ? me.id : other.id);
        await store.joinGroup(group.id, relation === 'creator-other-s' ? other.id : me.id);
        conv = group.conversationId;
        seq = await sendOne(conv, relation === 'left-group' ? me.id : other.id);
        if (relation === 'left-group') await store.leaveGroup(group.id, me.id);
      }
      messageTargets.set(`${type}/${relation}`, { conversation: `c${conv}`, seq });
    }
  }
  await store.close();
  server = await startServer({ dbPath });
  actor = await ChatClient.connect({ host: server.host, port: server.port });
  await actor.request('login', { user: 'actor', password: PASSWORD });
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

// First: the cells below join and leave groups.
matrix('search without a target finds only what is in the actor’s conversations', async () => {
  const found: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await actor.request('search', { query: 'matrix secret', limit: 5, ...(cursor ? { cursor } : {}) });
    found.push(...page.results.map((r) => r.text));
    if (page.next_cursor === undefined) break;
    cursor = page.next_cursor;
  }
  const groups = Object.keys(groupMatrix).length;
  const conversations = Object.keys(conversationMatrix).length;
  assert.is(found.length, groups * 2 + conversations, 'the creator and member groups, and the member conversations');
  assert.ok(found.every((t) => !t.endsWith('non-member')), found.join(' | '));
});

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

matrix('edit, delete and react on a message, by whose it is and where the actor stands', async () => {
  for (const [type, row] of Object.entries(messageMatrix)) {
    for (const [relation, expected] of Object.entries(row)) {
      const target = messageTargets.get(`${type}/${relation}`)!;
      assert.is(await outcome(actor, type, messageBody(type, target)), expected, `${type} → ${relation}`);
    }
  }
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
