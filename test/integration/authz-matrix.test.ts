// test-timeout: 240
// Every request type against every relation it can have to its target, table-driven: allow
// or deny with the right code. The world is seeded straight into the store (one scrypt hash for
// everyone), then one real server answers every cell. It runs on SQLite and on MySQL.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { resolveDbPoolConfig } from '../../lib/config.ts';
import { MysqlStore } from '../../lib/db/mysql-store.ts';
import { SqliteStore } from '../../lib/db/sqlite-store.ts';
import type { GroupRow, Store, UserRow } from '../../lib/db/store.ts';
import { ANONYMOUS_TYPES, REQUEST_TYPES, type RequestType } from '../../lib/protocol/messages.ts';
import { nameKey } from '../../lib/protocol/names.ts';
import { hashPassword, hashToken } from '../../lib/server/credentials.ts';
import { sessionIdOf } from '../../lib/server/handlers/revoke.ts';
import { reachable, scratchDb, type ScratchDb } from '../helpers/mariadb.ts';
import { startServer, tempDir, type RunningServer } from '../helpers/server.ts';

type UserRelation = 'self' | 'friend' | 'pending-out' | 'pending-in' | 'stranger';
type ConversationRelation = 'member' | 'non-member';
const OK = 'ok';
type Outcome = typeof OK | `CHAT_ERR_${string}`;

// What the actor may do to a user, by relation.
const userMatrix: Record<string, Record<UserRelation, Outcome>> = {
  friend_add: { self: 'CHAT_ERR_SELF', friend: 'CHAT_ERR_ALREADY_FRIENDS', 'pending-out': 'CHAT_ERR_REQUEST_PENDING', 'pending-in': OK, stranger: OK },
  friend_accept: { self: 'CHAT_ERR_NO_REQUEST', friend: 'CHAT_ERR_ALREADY_FRIENDS', 'pending-out': 'CHAT_ERR_NO_REQUEST', 'pending-in': OK, stranger: 'CHAT_ERR_NO_REQUEST' },
  friend_decline: { self: 'CHAT_ERR_NO_REQUEST', friend: 'CHAT_ERR_NO_REQUEST', 'pending-out': 'CHAT_ERR_NO_REQUEST', 'pending-in': OK, stranger: 'CHAT_ERR_NO_REQUEST' },
  friend_remove: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': OK, 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  block: { self: 'CHAT_ERR_SELF', friend: OK, 'pending-out': OK, 'pending-in': OK, stranger: OK },
  unblock: { self: OK, friend: OK, 'pending-out': OK, 'pending-in': OK, stranger: OK },
  send: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  history: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  mute: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  typing: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  receipts: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
  search: { self: 'CHAT_ERR_NOT_FRIENDS', friend: OK, 'pending-out': 'CHAT_ERR_NOT_FRIENDS', 'pending-in': 'CHAT_ERR_NOT_FRIENDS', stranger: 'CHAT_ERR_NOT_FRIENDS' },
};
const userBody = (type: string, name: string): Record<string, unknown> => {
  switch (type) {
    case 'send': return { to: name, text: 'hi' };
    case 'history': case 'typing': return { with: name };
    case 'mute': return { with: name, level: 'none' };
    case 'receipts': return { with: name, seq: 1 };
    case 'search': return { query: 'hi', with: name };
    default: return { user: name };
  }
};

// Requests that name a group, by the actor's standing in it, in a public and in a private group.
// To an outsider (and to someone banned from it) a private group is a group that does not exist.
type GroupRelation = 'creator' | 'admin' | 'member' | 'invited' | 'banned' | 'outsider';
type Privacy = 'public' | 'private';
const RELATIONS: GroupRelation[] = ['creator', 'admin', 'member', 'invited', 'banned', 'outsider'];
type Row = Record<GroupRelation, Outcome>;
const hidden = (privacy: Privacy, visible: Outcome): Outcome => (privacy === 'private' ? 'CHAT_ERR_NO_SUCH_GROUP' : visible);
/** What a member may do: members ok; the invited see the group but are not in it; others by privacy. */
const membersOnly = (p: Privacy): Row => ({
  creator: OK, admin: OK, member: OK, invited: 'CHAT_ERR_NOT_MEMBER',
  banned: hidden(p, 'CHAT_ERR_NOT_MEMBER'), outsider: hidden(p, 'CHAT_ERR_NOT_MEMBER'),
});
const moderators = (p: Privacy): Row => ({ ...membersOnly(p), member: 'CHAT_ERR_FORBIDDEN' });
const creatorOnly = (p: Privacy): Row => ({ ...moderators(p), admin: 'CHAT_ERR_FORBIDDEN' });
const groupMatrix: Record<string, (p: Privacy) => Row> = {
  group_join: (p) => ({
    creator: 'CHAT_ERR_ALREADY_MEMBER', admin: 'CHAT_ERR_ALREADY_MEMBER', member: 'CHAT_ERR_ALREADY_MEMBER', invited: OK,
    banned: hidden(p, 'CHAT_ERR_BANNED'), outsider: hidden(p, OK),
  }),
  group_decline: (p) => ({
    creator: 'CHAT_ERR_NO_INVITE', admin: 'CHAT_ERR_NO_INVITE', member: 'CHAT_ERR_NO_INVITE', invited: OK,
    banned: hidden(p, 'CHAT_ERR_NO_INVITE'), outsider: hidden(p, 'CHAT_ERR_NO_INVITE'),
  }),
  group_leave: membersOnly,
  group_members: membersOnly,
  send: membersOnly,
  history: membersOnly,
  mute: membersOnly,
  typing: membersOnly,
  receipts: membersOnly,
  search: membersOnly,
  group_invite: moderators,
  group_kick: moderators,
  group_ban: moderators,
  group_unban: moderators,
  group_topic: moderators,
  group_set: moderators,
  group_role: creatorOnly,
  group_transfer: creatorOnly,
  group_delete: creatorOnly,
};
/** `target` is a user placed for the request: an outsider to invite, a member to act on, a banned user to unban. */
const groupBody = (type: string, group: string, target: string): Record<string, unknown> => {
  switch (type) {
    case 'send': return { group, text: 'hi' };
    case 'mute': return { group, level: 'mentions' };
    case 'receipts': return { group, seq: 1 };
    case 'search': return { group, query: 'hi' };
    case 'group_invite': case 'group_kick': case 'group_ban': case 'group_unban': case 'group_transfer': return { group, user: target };
    case 'group_role': return { group, user: target, role: 'admin' };
    case 'group_topic': return { group, desc: 'new topic' };
    case 'group_set': return { group, history: 'joined' };
    default: return { group };
  }
};

// A moderator acting on another user, by the two roles: admins act on members only, the creator on admins too.
type TargetRelation = 'creator' | 'admin' | 'member' | 'self' | 'invited' | 'banned' | 'outsider';
const TARGETS: TargetRelation[] = ['creator', 'admin', 'member', 'self', 'invited', 'banned', 'outsider'];
const targetMatrix: Record<string, Record<'creator' | 'admin', Partial<Record<TargetRelation, Outcome>>>> = {
  group_kick: {
    creator: { admin: OK, member: OK, self: 'CHAT_ERR_SELF', invited: 'CHAT_ERR_USER_NOT_MEMBER', banned: 'CHAT_ERR_USER_NOT_MEMBER', outsider: 'CHAT_ERR_USER_NOT_MEMBER' },
    admin: { creator: 'CHAT_ERR_FORBIDDEN', admin: 'CHAT_ERR_FORBIDDEN', member: OK, self: 'CHAT_ERR_SELF', outsider: 'CHAT_ERR_USER_NOT_MEMBER' },
  },
  group_ban: {
    creator: { admin: OK, member: OK, self: 'CHAT_ERR_SELF', invited: OK, banned: 'CHAT_ERR_ALREADY_BANNED', outsider: OK },
    admin: { creator: 'CHAT_ERR_FORBIDDEN', admin: 'CHAT_ERR_FORBIDDEN', member: OK, self: 'CHAT_ERR_SELF', outsider: OK },
  },
  group_unban: {
    creator: { member: 'CHAT_ERR_NOT_BANNED', banned: OK, outsider: 'CHAT_ERR_NOT_BANNED' },
    admin: { banned: OK, outsider: 'CHAT_ERR_NOT_BANNED' },
  },
  group_invite: {
    creator: { admin: 'CHAT_ERR_USER_ALREADY_MEMBER', member: 'CHAT_ERR_USER_ALREADY_MEMBER', self: 'CHAT_ERR_SELF', invited: OK, banned: 'CHAT_ERR_USER_BANNED', outsider: OK },
    admin: { creator: 'CHAT_ERR_USER_ALREADY_MEMBER', banned: 'CHAT_ERR_USER_BANNED', outsider: OK },
  },
  group_role: {
    creator: { admin: OK, member: OK, self: 'CHAT_ERR_SELF', invited: 'CHAT_ERR_USER_NOT_MEMBER', outsider: 'CHAT_ERR_USER_NOT_MEMBER' },
    admin: { member: 'CHAT_ERR_FORBIDDEN', admin: 'CHAT_ERR_FORBIDDEN' },
  },
  group_transfer: {
    creator: { admin: OK, member: OK, self: 'CHAT_ERR_SELF', invited: 'CHAT_ERR_USER_NOT_MEMBER', outsider: 'CHAT_ERR_USER_NOT_MEMBER' },
    admin: { member: 'CHAT_ERR_FORBIDDEN' },
  },
};

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
const conversationBody = (type: string, conversation: string): Record<string, unknown> => {
  switch (type) {
    case 'ack': case 'read': return { conversation, seq: 0 };
    case 'mute': return { conversation, level: 'all' };
    case 'receipts': return { conversation, seq: 1 };
    case 'search': return { conversation, query: 'hi' };
    default: return { conversation };
  }
};

// Edits, deletions and reactions on one message, by whose message it is and where the actor stands.
type MessageRelation = 'own' | 'friend-s' | 'member-other-s' | 'creator-other-s' | 'admin-other-s' | 'left-group' | 'ex-friend-own' | 'outsider' | 'no-such-seq';
const messageMatrix: Record<string, Record<MessageRelation, Outcome>> = {
  edit: {
    own: OK, 'friend-s': 'CHAT_ERR_NOT_YOURS', 'member-other-s': 'CHAT_ERR_NOT_YOURS', 'creator-other-s': 'CHAT_ERR_NOT_YOURS', 'admin-other-s': 'CHAT_ERR_NOT_YOURS',
    'left-group': 'CHAT_ERR_NO_SUCH_CONVERSATION', 'ex-friend-own': 'CHAT_ERR_NOT_FRIENDS', outsider: 'CHAT_ERR_NO_SUCH_CONVERSATION', 'no-such-seq': 'CHAT_ERR_NO_SUCH_MESSAGE',
  },
  delete: {
    own: OK, 'friend-s': 'CHAT_ERR_NOT_YOURS', 'member-other-s': 'CHAT_ERR_NOT_YOURS', 'creator-other-s': OK, 'admin-other-s': OK,
    'left-group': 'CHAT_ERR_NO_SUCH_CONVERSATION', 'ex-friend-own': 'CHAT_ERR_NOT_FRIENDS', outsider: 'CHAT_ERR_NO_SUCH_CONVERSATION', 'no-such-seq': 'CHAT_ERR_NO_SUCH_MESSAGE',
  },
  react: {
    own: OK, 'friend-s': OK, 'member-other-s': OK, 'creator-other-s': OK, 'admin-other-s': OK,
    'left-group': 'CHAT_ERR_NO_SUCH_CONVERSATION', 'ex-friend-own': 'CHAT_ERR_NOT_FRIENDS', outsider: 'CHAT_ERR_NO_SUCH_CONVERSATION', 'no-such-seq': 'CHAT_ERR_NO_SUCH_MESSAGE',
  },
};
const messageBody = (type: string, target: { conversation: string; seq: number }): Record<string, unknown> =>
  type === 'edit' ? { ...target, text: 'changed' } : type === 'react' ? { ...target, emoji: '👍' } : target;


// Requests about the actor's own account: what they name is one of the actor's sessions, a
// session of someone else, or the actor's password.
type SessionRelation = 'own-other' | 'own-current' | 'someone-elses' | 'unknown';
const sessionMatrix: Record<string, Record<SessionRelation, Outcome>> = {
  sessions_revoke: { 'own-other': OK, 'own-current': 'CHAT_ERR_SELF', 'someone-elses': 'CHAT_ERR_NO_SUCH_SESSION', unknown: 'CHAT_ERR_NO_SUCH_SESSION' },
};
type PasswordRelation = 'right' | 'wrong';
const passwordMatrix: Record<string, Record<PasswordRelation, Outcome>> = {
  passwd: { right: OK, wrong: 'CHAT_ERR_AUTH_FAILED' },
  account_delete: { right: OK, wrong: 'CHAT_ERR_AUTH_FAILED' },
};

// A request that is valid in shape, for the logged-out column.
const sample: Record<RequestType, Record<string, unknown>> = {
  hello: { version: 1 }, register: { user: 'x', password: 'y' }, login: { token: 't' }, ping: {},
  logout: {}, passwd: { password: 'x', new_password: 'y' }, sessions: {}, sessions_revoke: { session: 's1' }, account_delete: { password: 'x' }, friends: {}, groups: {}, unread: {}, conversations: {},
  friend_add: { user: 'actor' }, friend_accept: { user: 'actor' }, friend_decline: { user: 'actor' }, friend_remove: { user: 'actor' },
  group_create: { group: 'g' }, group_join: { group: 'g' }, group_leave: { group: 'g' }, group_members: { group: 'g' },
  group_invite: { group: 'g', user: 'actor' }, group_decline: { group: 'g' }, group_kick: { group: 'g', user: 'actor' },
  group_ban: { group: 'g', user: 'actor' }, group_unban: { group: 'g', user: 'actor' },
  group_role: { group: 'g', user: 'actor', role: 'admin' }, group_transfer: { group: 'g', user: 'actor' },
  group_topic: { group: 'g', desc: 't' }, group_set: { group: 'g', private: true }, group_delete: { group: 'g' },
  groups_public: {},
  send: { to: 'actor', text: 'x' }, history: { with: 'actor' }, sync: { conversation: 'c1' },
  ack: { conversation: 'c1', seq: 0 }, read: { conversation: 'c1', seq: 0 }, search: { query: 'x' },
  block: { user: 'actor' }, unblock: { user: 'actor' }, blocked: {},
  mute: { conversation: 'c1', level: 'none' }, typing: { conversation: 'c1' }, receipts: { conversation: 'c1', seq: 1 },
  edit: { conversation: 'c1', seq: 1, text: 'x' }, delete: { conversation: 'c1', seq: 1 }, react: { conversation: 'c1', seq: 1, emoji: '👍' },
};

const PASSWORD = 'matrix-pw-123';

interface World {
  userTargets: Map<string, string>;
  groupTargets: Map<string, { group: string; target: string }>;
  roleTargets: Map<string, { group: string; target: string }>;
  conversationTargets: Map<string, string>;
  messageTargets: Map<string, { conversation: string; seq: number }>;
  /** the text of every seeded message with a secret, and whether the actor may find it */
  secrets: Map<string, boolean>;
  sessionTargets: Map<SessionRelation, string>;
}

/** Seeds every cell's own users and groups through the store, so no cell's request changes another's. */
async function seed(store: Store): Promise<World> {
  const world: World = { userTargets: new Map(), groupTargets: new Map(), roleTargets: new Map(), conversationTargets: new Map(), messageTargets: new Map(), secrets: new Map(), sessionTargets: new Map() };
  const hash = await hashPassword(PASSWORD);
  const make = (name: string) => store.createUser(name, nameKey(name), hash);
  const me = await make('actor');
  const owner = await make('owner');
  await make('leaver');
  let i = 0;
  /** Stores one message; receipts need seq 1, and search finds (or must not find) its secret. */
  const seedMessage = async (conversationId: number, senderId: number, actorSees: boolean): Promise<number> => {
    const text = `matrix secret ${++i}`;
    const [r] = await store.appendMessages([{ conversationId, senderId, text, clientMsgId: null, ts: Date.now() }]);
    if (!r!.ok) throw r!.error;
    world.secrets.set(text, actorSees);
    return r!.seq;
  };
  for (const type of Object.keys(userMatrix)) {
    for (const relation of Object.keys(userMatrix[type]!) as UserRelation[]) {
      if (relation === 'self') {
        world.userTargets.set(`${type}/${relation}`, 'actor');
        continue;
      }
      const other = await make(`u${++i}`);
      if (relation === 'friend') {
        await store.createFriendRequest(me.id, other.id);
        await seedMessage(await store.acceptFriendRequest(other.id, me.id), other.id, true);
      } else if (relation === 'pending-out') await store.createFriendRequest(me.id, other.id);
      else if (relation === 'pending-in') await store.createFriendRequest(other.id, me.id);
      world.userTargets.set(`${type}/${relation}`, other.name);
    }
  }
  /** Puts `who` into the group in `relation` (the owner is the creator unless `who` is). */
  const place = async (g: GroupRow, who: UserRow, relation: GroupRelation | TargetRelation) => {
    if (relation === 'creator' || relation === 'self' || relation === 'outsider') return;
    if (relation === 'invited') return store.inviteToGroup(g.id, g.creatorId, who.id);
    if (relation === 'banned') return void (await store.removeFromGroup(g.id, g.creatorId, who.id, true));
    await store.inviteToGroup(g.id, g.creatorId, who.id);
    await store.joinGroup(g.id, who.id);
    if (relation === 'admin') await store.setGroupRole(g.id, g.creatorId, who.id, 'admin');
  };
  for (const type of Object.keys(groupMatrix)) {
    for (const privacy of ['public', 'private'] as Privacy[]) {
      for (const relation of RELATIONS) {
        const name = `g${++i}`;
        const group = await store.createGroup(name, nameKey(name), '', relation === 'creator' ? me.id : owner.id, { private: privacy === 'private' });
        if (relation !== 'creator') await place(group, me, relation);
        else await place(group, owner, 'member');
        // The user the request acts on, placed as it needs.
        const target = await make(`t${++i}`);
        const placement = type === 'group_unban' ? 'banned' : type === 'group_invite' ? 'outsider' : 'member';
        await place(group, target, placement);
        // after everyone is placed, so a `joined` group shows it to its members too
        await seedMessage(group.conversationId, group.creatorId, ['creator', 'admin', 'member'].includes(relation));
        world.groupTargets.set(`${type}/${privacy}/${relation}`, { group: name, target: target.name });
      }
    }
  }
  for (const [type, byActor] of Object.entries(targetMatrix)) {
    for (const [actorRole, row] of Object.entries(byActor)) {
      for (const relation of Object.keys(row) as TargetRelation[]) {
        const name = `r${++i}`;
        const creator = actorRole === 'creator' ? me : owner;
        const group = await store.createGroup(name, nameKey(name), '', creator.id, { private: true });
        if (actorRole === 'admin') await place(group, me, 'admin');
        let target = 'actor';
        if (relation === 'creator') target = owner.name;
        else if (relation !== 'self') {
          const t = await make(`s${++i}`);
          await place(group, t, relation);
          target = t.name;
        }
        world.roleTargets.set(`${type}/${actorRole}/${relation}`, { group: name, target });
      }
    }
  }
  for (const type of Object.keys(conversationMatrix)) {
    for (const relation of Object.keys(conversationMatrix[type]!) as ConversationRelation[]) {
      const a = relation === 'member' ? me : await make(`p${++i}`);
      const b = await make(`q${++i}`);
      await store.createFriendRequest(a.id, b.id);
      const conv = await store.acceptFriendRequest(b.id, a.id);
      await seedMessage(conv, b.id, relation === 'member');
      world.conversationTargets.set(`${type}/${relation}`, `c${conv}`);
    }
  }
  for (const type of Object.keys(messageMatrix)) {
    for (const relation of Object.keys(messageMatrix[type]!) as MessageRelation[]) {
      const other = await make(`m${++i}`);
      let conv: number;
      let seq: number;
      if (relation === 'own' || relation === 'friend-s' || relation === 'ex-friend-own' || relation === 'no-such-seq') {
        await store.createFriendRequest(me.id, other.id);
        conv = await store.acceptFriendRequest(other.id, me.id);
        // an ended friendship keeps its conversation (and its search) for both
        seq = await seedMessage(conv, relation === 'friend-s' ? other.id : me.id, true);
        if (relation === 'ex-friend-own') await store.removeFriendship(me.id, other.id);
        if (relation === 'no-such-seq') seq = 99;
      } else if (relation === 'outsider') {
        const third = await make(`m${++i}`);
        await store.createFriendRequest(third.id, other.id);
        conv = await store.acceptFriendRequest(other.id, third.id);
        seq = await seedMessage(conv, other.id, false);
      } else {
        const name = `mg${++i}`;
        const group = await store.createGroup(name, nameKey(name), '', relation === 'creator-other-s' ? me.id : other.id);
        await store.joinGroup(group.id, relation === 'creator-other-s' ? other.id : me.id);
        if (relation === 'admin-other-s') await store.setGroupRole(group.id, other.id, me.id, 'admin');
        conv = group.conversationId;
        seq = await seedMessage(conv, relation === 'left-group' ? me.id : other.id, relation !== 'left-group');
        if (relation === 'left-group') await store.leaveGroup(group.id, me.id);
      }
      world.messageTargets.set(`${type}/${relation}`, { conversation: `c${conv}`, seq });
    }
  }
  await store.saveToken('own-other-token-hash', me.id, Date.now() + 3_600_000);
  await store.saveToken('someone-elses-token-hash', owner.id, Date.now() + 3_600_000);
  world.sessionTargets.set('own-other', sessionIdOf('own-other-token-hash'));
  world.sessionTargets.set('someone-elses', sessionIdOf('someone-elses-token-hash'));
  world.sessionTargets.set('unknown', sessionIdOf('no-such-token-hash'));
  return world;
}

async function outcome(client: ChatClient, type: string, body: Record<string, unknown>): Promise<Outcome> {
  try {
    await client.request(type as RequestType, body as never);
    return OK;
  } catch (err: any) {
    return err.code;
  }
}

interface Backend {
  label: string;
  /** a store to seed, and the --db the server then opens */
  open(): Promise<{ store: Store; db: string; drop: () => Promise<void> }>;
}

function matrixSuite(backend: Backend): void {
  const matrix = suite(`authorization matrix: ${backend.label}`);
  let server: RunningServer;
  let actor: ChatClient;
  let world: World;
  let drop: () => Promise<void> = async () => {};

  matrix.before(async () => {
    const opened = await backend.open();
    drop = opened.drop;
    world = await seed(opened.store);
    await opened.store.close();
    server = await startServer({ db: opened.db });
    actor = await ChatClient.connect({ host: server.host, port: server.port });
    const { token } = await actor.request('login', { user: 'actor', password: PASSWORD });
    world.sessionTargets.set('own-current', sessionIdOf(hashToken(token)));
  });
  matrix.after(async () => {
    actor?.destroy();
    await server?.stop();
    await drop();
  });

  // First: the cells below join and leave groups, and delete messages.
  matrix('search without a target finds exactly the secrets in the actor’s conversations', async () => {
    const found: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await actor.request('search', { query: 'matrix secret', limit: 20, ...(cursor ? { cursor } : {}) });
      found.push(...r.results.map((m) => m.text));
      if (r.next_cursor === undefined) break;
      cursor = r.next_cursor;
    }
    const expected = [...world.secrets].filter(([, sees]) => sees).map(([text]) => text);
    assert.equal(found.sort(), expected.sort());
  });

  matrix('requests that name a user, by relation to that user', async () => {
    for (const [type, row] of Object.entries(userMatrix)) {
      for (const [relation, expected] of Object.entries(row)) {
        const target = world.userTargets.get(`${type}/${relation}`)!;
        assert.is(await outcome(actor, type, userBody(type, target)), expected, `${type} → ${relation}`);
      }
    }
  });

  matrix('requests that name a group, by standing in it (creator, admin, member, invited, banned, outsider), public and private', async () => {
    for (const [type, rowOf] of Object.entries(groupMatrix)) {
      for (const privacy of ['public', 'private'] as Privacy[]) {
        for (const [relation, expected] of Object.entries(rowOf(privacy))) {
          const { group, target } = world.groupTargets.get(`${type}/${privacy}/${relation}`)!;
          assert.is(await outcome(actor, type, groupBody(type, group, target)), expected, `${type} → ${privacy} ${relation}`);
        }
      }
    }
  });

  matrix('a moderator acting on another user, by both roles', async () => {
    for (const [type, byActor] of Object.entries(targetMatrix)) {
      for (const [actorRole, row] of Object.entries(byActor)) {
        for (const [relation, expected] of Object.entries(row)) {
          const { group, target } = world.roleTargets.get(`${type}/${actorRole}/${relation}`)!;
          assert.is(await outcome(actor, type, groupBody(type, group, target)), expected, `${type}: ${actorRole} → ${relation}`);
        }
      }
    }
  });

  matrix('the directory lists public groups to anyone logged in, and never a private one', async () => {
    const names: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await actor.request('groups_public', { limit: 50, ...(after === undefined ? {} : { after }) });
      names.push(...r.groups.map((g) => g.name));
      if (r.next === undefined) break;
      after = r.next;
    }
    // (the cells above deleted some: group_delete's)
    const publicOnes = [...world.groupTargets.entries()].filter(([k]) => k.includes('/public/') && !k.startsWith('group_delete/')).map(([, v]) => v.group);
    const privateOnes = [...world.groupTargets.entries()].filter(([k]) => k.includes('/private/')).map(([, v]) => v.group);
    assert.ok(publicOnes.length > 0 && publicOnes.every((g) => names.includes(g)), 'every public group is listed');
    assert.ok(privateOnes.every((g) => !names.includes(g)), 'no private group is listed, not even to its creator');
  });

  matrix('requests that name a conversation, by membership', async () => {
    for (const [type, row] of Object.entries(conversationMatrix)) {
      for (const [relation, expected] of Object.entries(row)) {
        const target = world.conversationTargets.get(`${type}/${relation}`)!;
        assert.is(await outcome(actor, type, conversationBody(type, target)), expected, `${type} → ${relation}`);
      }
    }
  });

  matrix('edit, delete and react on a message, by whose it is and where the actor stands', async () => {
    for (const [type, row] of Object.entries(messageMatrix)) {
      for (const [relation, expected] of Object.entries(row)) {
        const target = world.messageTargets.get(`${type}/${relation}`)!;
        assert.is(await outcome(actor, type, messageBody(type, target)), expected, `${type} → ${relation}`);
      }
    }
  });

  matrix('requests about the account, by what they name: a session, or the current password', async () => {
    for (const [type, row] of Object.entries(sessionMatrix)) {
      for (const [relation, expected] of Object.entries(row)) {
        const session = world.sessionTargets.get(relation as SessionRelation)!;
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
    assert.is(await outcome(actor, 'blocked', {}), OK, 'blocked (own only)');
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
    const target = world.userTargets.get('send/friend')!;
    const r = await actor.request('send', { to: target, text: 'spoof?', from: target, sender: target, user_id: 1 } as never);
    const page = await actor.request('history', { conversation: r.conversation, limit: 1 });
    assert.is(page.messages[0]!.from, 'actor');
  });

  matrix.run();
}

matrixSuite({
  label: 'SQLite',
  async open() {
    const dbPath = join(tempDir().dir, 'chat.db');
    return { store: SqliteStore.open(dbPath), db: `sqlite:${dbPath}`, drop: async () => {} };
  },
});

if (await reachable()) {
  matrixSuite({
    label: 'MySQL',
    async open() {
      const db: ScratchDb = scratchDb();
      const store = await MysqlStore.open(db.url, resolveDbPoolConfig({ min: 1, max: 4, logIntervalMs: 0 }));
      return { store, db: db.url, drop: () => db.drop() };
    },
  });
}
