import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NEW_FILE_PAGE_SIZE, SqliteStore } from '../../../lib/db/sqlite-store.ts';
import { storeContract } from '../../contract/store.contract.ts';
import { CROSSED_REQUESTS_LEFT, CROSSED_REQUESTS_SEED } from '../../helpers/crossed-requests-fixture.ts';
import { DELETIONS_SEED, MEMBERSHIPS_SEED, checkDeletionsUpgrade, checkMentionsUpgrade, sqliteFileBefore } from '../../helpers/old-schema.ts';
import { ACCOUNTS_SEED, checkAccountsUpgrade } from '../../helpers/accounts-upgrade-fixture.ts';
import { GROUPS_AFTER, GROUPS_SEED } from '../../helpers/groups-upgrade-fixture.ts';
import { MESSAGE_EVENTS_SEED, checkUpgradedMessages } from '../../helpers/message-events-fixture.ts';
import { SEARCH_UPGRADE_FOUND, SEARCH_UPGRADE_SEED, searchIndexVersion } from '../../helpers/search-upgrade-fixture.ts';
import { planSearch } from '../../../lib/db/search-tokens.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'chat-sqlite-'));
const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

storeContract('SqliteStore', async () => {
  const dir = tempDir();
  return { store: SqliteStore.open(join(dir, 'chat.db')), cleanup: async () => removeDir(dir) };
});

const migrations = readdirSync(new URL('../../../sql/sqlite/', import.meta.url))
  .filter((f) => /^\d+_.*\.sql$/.test(f))
  .sort();

const test = suite('SqliteStore on disk');
let dir: string;
test.before.each(() => {
  dir = tempDir();
});
test.after.each(() => removeDir(dir));

/**
 * A file at the schema before migration `version` with `seed` in it, opened (so migrated) by
 * today's store: every migration is recorded, then `check` runs on the store, which is closed after.
 */
async function withUpgradedFile(version: number, seed: string, check: (store: SqliteStore) => Promise<void>): Promise<void> {
  const path = join(dir, 'chat.db');
  sqliteFileBefore(path, version, seed);
  const store = SqliteStore.open(path);
  try {
    assert.equal(schemaVersions(path).map((r) => r.name), migrations);
    await check(store);
  } finally {
    await store.close();
  }
}

function schemaVersions(path: string): { version: number; name: string; applied_at: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { version: number; name: string; applied_at: number }>(
      'SELECT version, name, applied_at FROM schema_version ORDER BY version').all();
  } finally {
    db.close();
  }
}

test('records every migration in schema_version, in WAL mode', async () => {
  const path = join(dir, 'chat.db');
  await SqliteStore.open(path).close();
  const rows = schemaVersions(path);
  assert.equal(rows.map((r) => r.name), migrations);
  assert.equal(rows.map((r) => r.version), migrations.map((f) => Number(f.split('_')[0])));
  const db = new Database(path, { readonly: true });
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('a new file gets 1 KiB pages; a file made with other pages keeps them and works', async () => {
  const fresh = join(dir, 'fresh.db');
  await SqliteStore.open(fresh).close();
  const old = join(dir, 'old.db');
  const raw = new Database(old);
  raw.pragma('page_size = 4096');
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE unrelated (x INTEGER)');
  raw.close();

  const store = SqliteStore.open(old);
  try {
    const alice = await store.createUser('Alice', 'alice', 'h');
    const g = await store.createGroup('G', 'g', '', alice.id);
    const [r] = await store.appendMessages([{ conversationId: g.conversationId, senderId: alice.id, text: 'kept', clientMsgId: null, ts: 1 }]);
    assert.equal(r, { ok: true, seq: 1, ts: 1, duplicate: false });
    assert.equal((await store.messagesAfter(g.conversationId, 0, 10)).map((m) => m.text), ['kept']);
  } finally {
    await store.close();
  }
  const pageSize = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.pragma('page_size', { simple: true });
    } finally {
      db.close();
    }
  };
  assert.is(pageSize(fresh), NEW_FILE_PAGE_SIZE);
  assert.is(NEW_FILE_PAGE_SIZE, 1024);
  assert.is(pageSize(old), 4096);
});

test('a friendship ended through another connection to the file is seen from the next tick on', async () => {
  const path = join(dir, 'chat.db');
  const here = SqliteStore.open(path);
  const other = SqliteStore.open(path); // e.g. a second `chat serve` on the same file
  try {
    const alice = await here.createUser('Alice', 'alice', 'h');
    const bob = await here.createUser('Bob', 'bob', 'h');
    await here.createFriendRequest(alice.id, bob.id);
    const conv = await here.acceptFriendRequest(bob.id, alice.id);
    assert.is(await here.directConversation(alice.id, bob.id), conv); // now cached here
    assert.ok(await other.removeFriendship(bob.id, alice.id));
    await new Promise((r) => setImmediate(r)); // the version is read at most once per tick
    assert.is(await here.directConversation(alice.id, bob.id), null);
    assert.is(await here.directConversation(bob.id, alice.id), null);
  } finally {
    await here.close();
    await other.close();
  }
});

test('the retry lookup searches the client_msg_id index, which leads with the id (migration 003)', async () => {
  const path = join(dir, 'chat.db');
  await SqliteStore.open(path).close();
  const db = new Database(path, { readonly: true });
  try {
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_index_info('messages_client_msg') ORDER BY seqno").all();
    assert.equal(columns.map((c) => c.name), ['client_msg_id', 'sender_id']);
    assert.is(db.prepare<[], { u: number }>("SELECT \"unique\" AS u FROM pragma_index_list('messages') WHERE name = 'messages_client_msg'").get()?.u, 1);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT seq FROM messages WHERE sender_id = ? AND client_msg_id = ?').all(1, 'k') as { detail: string }[];
    assert.match(plan.map((p) => p.detail).join('; '), /SEARCH messages USING INDEX messages_client_msg/);
  } finally {
    db.close();
  }
});

test('a group join through another connection to the file is in memberIds from the next tick on', async () => {
  const path = join(dir, 'chat.db');
  const here = SqliteStore.open(path);
  const other = SqliteStore.open(path);
  try {
    const alice = await here.createUser('Alice', 'alice', 'h');
    const bob = await here.createUser('Bob', 'bob', 'h');
    const g = await here.createGroup('G', 'g', '', alice.id);
    const before = await here.memberIds(g.conversationId); // now cached here
    assert.equal(before, [alice.id]);
    assert.ok(Object.isFrozen(before), 'callers share the cached list');
    await other.joinGroup(g.id, bob.id);
    await new Promise((r) => setImmediate(r)); // the version is read at most once per tick
    assert.equal(await here.memberIds(g.conversationId), [alice.id, bob.id]);
  } finally {
    await here.close();
    await other.close();
  }
});

test('memberIds of a conversation not made yet is not remembered as empty', async () => {
  const store = SqliteStore.open(join(dir, 'chat.db'));
  try {
    const alice = await store.createUser('Alice', 'alice', 'h');
    const first = await store.createGroup('A', 'a', '', alice.id);
    const next = first.conversationId + 1;
    assert.equal(await store.memberIds(next), []);
    const second = await store.createGroup('B', 'b', '', alice.id);
    assert.is(second.conversationId, next, 'ids are handed out in order');
    assert.equal(await store.memberIds(next), [alice.id]);
  } finally {
    await store.close();
  }
});

test('reopening keeps the data and does not re-run migrations', async () => {
  const path = join(dir, 'chat.db');
  const first = SqliteStore.open(path);
  const alice = await first.createUser('Alice', 'alice', 'h');
  const g = await first.createGroup('G', 'g', '', alice.id);
  await first.appendMessages([{ conversationId: g.conversationId, senderId: alice.id, text: 'kept', clientMsgId: 'k1', ts: 1 }]);
  await first.close();
  const before = schemaVersions(path);

  const second = SqliteStore.open(path);
  try {
    assert.equal(await second.userByKey('alice'), alice);
    assert.equal((await second.messagesAfter(g.conversationId, 0, 10)).map((m) => m.text), ['kept']);
    const [again] = await second.appendMessages([{ conversationId: g.conversationId, senderId: alice.id, text: 'x', clientMsgId: 'k1', ts: 2 }]);
    assert.equal(again, { ok: true, seq: 1, ts: 1, duplicate: true });
  } finally {
    await second.close();
  }
  assert.equal(schemaVersions(path), before);
});

test('migration 002 keeps every message of a version-1 file and moves them to arrival order', async () => {
  // A file as version 1 left it, written without the store: messages clustered by conversation.
  const path = join(dir, 'chat.db');
  sqliteFileBefore(path, 2, `INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES (1, 'A', 'a', 'h', 0), (2, 'B', 'b', 'h', 0);
    INSERT INTO conversations (id, kind, direct_key, last_seq, created_at) VALUES (7, 'direct', '1:2', 3, 0), (8, 'group', NULL, 1, 0);
    INSERT INTO friendships VALUES (1, 2, 7, 0), (2, 1, 7, 0);
    INSERT INTO chat_groups (id, name, name_key, creator_id, conversation_id, created_at) VALUES (1, 'G', 'g', 1, 8, 0);
    INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (7, 1, 'member', 0), (7, 2, 'member', 0), (8, 1, 'creator', 0);
    INSERT INTO messages VALUES (7, 1, 1, 'one', 'c1', 10), (8, 1, 1, 'group', NULL, 11), (7, 2, 2, 'two''s "quoted"', NULL, 12),
      (7, 3, 1, 'three', 'c3', 13);`);

  const store = SqliteStore.open(path);
  try {
    assert.equal(schemaVersions(path).map((r) => r.name), migrations);
    assert.equal((await store.messagesAfter(7, 0, 10)).map((m) => [m.seq, m.senderName, m.text, m.clientMsgId, m.ts]),
      [[1, 'A', 'one', 'c1', 10], [2, 'B', 'two\'s "quoted"', null, 12], [3, 'A', 'three', 'c3', 13]]);
    assert.equal((await store.messagesAfter(8, 0, 10)).map((m) => m.text), ['group']);
    // seq goes on from where it was; a retried client_msg_id from before the migration is still recognised
    const [next, retried] = await store.appendMessages([
      { conversationId: 7, senderId: 2, text: 'four', clientMsgId: 'c4', ts: 20 },
      { conversationId: 7, senderId: 1, text: 'three again', clientMsgId: 'c3', ts: 21 },
    ]);
    assert.equal(next, { ok: true, seq: 4, ts: 20, duplicate: false });
    assert.equal(retried, { ok: true, seq: 3, ts: 13, duplicate: true });
  } finally {
    await store.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'messages'").get()!.sql;
    assert.not.match(table, /WITHOUT ROWID/i);
    // arrival order: rowids follow created_at across conversations
    assert.equal(db.prepare<[], { t: string }>('SELECT text AS t FROM messages ORDER BY rowid').all().map((r) => r.t),
      ['one', 'group', 'two\'s "quoted"', 'three', 'four']);
    const indexes = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' ORDER BY name").all();
    assert.equal(indexes.map((i) => i.name), ['messages_client_msg', 'messages_conversation_seq']);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
});

test('migration 004 leaves one request of each crossed pair and none between friends; the next add befriends them', async () => {
  // A file as version 3 left it, with what crossed friend_adds stored before addFriend decided
  // in one transaction: both A->B and B->A.
  const path = join(dir, 'chat.db');
  sqliteFileBefore(path, 4, CROSSED_REQUESTS_SEED);

  const store = SqliteStore.open(path);
  try {
    assert.equal(schemaVersions(path).map((r) => r.name), migrations);
    const raw = new Database(path, { readonly: true });
    const left = raw.prepare<[], { f: number; t: number }>('SELECT from_id AS f, to_id AS t FROM friend_requests ORDER BY f, t').all();
    raw.close();
    assert.equal(left.map((r) => [r.f, r.t]), CROSSED_REQUESTS_LEFT);
    assert.equal([await store.relation(1, 2), await store.relation(2, 1)], ['out', 'in']);
    assert.equal([await store.relation(1, 3), await store.relation(3, 1)], ['friends', 'friends']);
    assert.is((await store.addFriend(2, 1)).status, 'accepted');
    assert.is(await store.acceptFriendRequest(4, 3), (await store.directConversationId(3, 4))!);
    assert.equal([await store.relation(1, 2), await store.relation(3, 4), await store.relation(6, 5)], ['friends', 'friends', 'in']);
  } finally {
    await store.close();
  }
});

test('migration 009 gives every existing membership the notification level all; mute then works', () => withUpgradedFile(9, MEMBERSHIPS_SEED, async (store) => {
  assert.equal((await store.conversationsOf(2)).map((c) => [c.conversationId, c.notify]), [[1, 'all'], [2, 'all']]);
  await store.setNotifyLevel(2, 2, 'none');
  assert.is((await store.conversationOf(2, 2))?.notify, 'none');
}));

test('migration 011 adds mentions to an existing file: a mention is stored and counted, older conversations count none', () => withUpgradedFile(11, MEMBERSHIPS_SEED, async (store) => {
  await checkMentionsUpgrade(store, assert);
}));

test('a migration numbered below one already applied still runs (branches merge with numbers in between)', async () => {
  // As if a branch's 011 ran before 009 (and 010) were merged: 009 must still be applied.
  const path = join(dir, 'chat.db');
  sqliteFileBefore(path, 9, MEMBERSHIPS_SEED);
  const db = new Database(path);
  const later = migrations.find((f) => f.startsWith('011_'))!;
  db.exec(readFileSync(new URL(`../../../sql/sqlite/${later}`, import.meta.url), 'utf8'));
  db.prepare('INSERT INTO schema_version VALUES (?, ?, 0)').run(11, later);
  db.close();
  const store = SqliteStore.open(path);
  try {
    assert.equal(schemaVersions(path).map((r) => r.name), migrations);
    await store.setNotifyLevel(2, 2, 'mentions');
    assert.is((await store.conversationOf(2, 2))?.notify, 'mentions');
  } finally {
    await store.close();
  }
});

// A file at the schema of version 4 (the main branch that work started from), with messages.
test('migration 007 turns every stored message into a message entry; unread, retries and events work on the upgraded file', () =>
  withUpgradedFile(5, MESSAGE_EVENTS_SEED, checkUpgradedMessages));

test('the search index migration indexes the messages stored before it', () => withUpgradedFile(searchIndexVersion(migrations), SEARCH_UPGRADE_SEED, async (store) => {
  for (const [userId, query, texts] of SEARCH_UPGRADE_FOUND) {
    const page = await store.searchMessages({ userId, plan: planSearch(query)!, limit: 10 });
    assert.equal(page.messages.map((m) => m.text), texts, `user ${userId} searching ${query}`);
  }
}));

test('migration 005 keeps every creator and member, and keeps groups public with shared history', async () => {
  const path = join(dir, 'chat.db');
  sqliteFileBefore(path, 5, GROUPS_SEED);

  const store = SqliteStore.open(path);
  try {
    assert.equal(schemaVersions(path).map((r) => r.name), migrations);
    for (const want of GROUPS_AFTER) {
      const g = (await store.groupByKey(want.name.toLowerCase()))!;
      assert.equal([g.creatorId, g.private, g.history], [want.creatorId, want.private, want.history], want.name);
      assert.equal((await store.groupMembers(g.id)).map((m) => `${m.name}:${m.role}`), want.members, want.name);
    }
    // Cursors and history are as they were; existing members see everything.
    const ann = (await store.conversationOf(1, 7))!;
    assert.equal([ann.delivered, ann.read, ann.lastSeq, ann.visibleAfter], [1, 2, 2, 0]);
    assert.equal((await store.messagesAfter(7, 0, 10)).map((m) => m.text), ['one', 'two']);
    // The new rules work on the old rows: the kept creator makes an admin, who succeeds it.
    const rust = (await store.groupByKey('rust'))!;
    await store.setGroupRole(rust.id, 2, 3, 'admin');
    assert.equal(await store.leaveGroup(rust.id, 2), { deleted: false, newCreatorId: 3 });
    assert.equal((await store.groupFor('rust', 1))?.role, 'member', 'still public: visible to its members and everyone');
  } finally {
    await store.close();
  }
  const raw = new Database(path, { readonly: true });
  try {
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(raw.pragma('foreign_key_check'), []);
  } finally {
    raw.close();
  }
});

test('migration 006 upgrades a version-4 file: users and tokens keep their rows and gain the account columns', () => withUpgradedFile(5, ACCOUNTS_SEED, async (store) => {
  await checkAccountsUpgrade(store);
}));

test('migration 010 adds blocks: nobody is blocked, friendships stand; block then works', () => withUpgradedFile(10, MEMBERSHIPS_SEED, async (store) => {
  assert.equal(await store.blockedOf(1), []);
  assert.is(await store.directConversation(1, 2), 1);
  assert.equal(await store.block(1, 2), { unfriended: true });
  assert.equal(await store.blockedOf(1), [{ id: 2, name: 'B' }]);
}));

// The contract tests see search from outside; these look into the index itself: a block per run
// of up to 64 rowids of an append (sqlite-search.ts), and no token of a text that is gone.
test('search index: an append is one block per 64 rowids, across its INSERT chunks, and a replaced, deleted or dropped text leaves no token behind', async () => {
  const path = join(dir, 'chat.db');
  const store = SqliteStore.open(path);
  const raw = new Database(path, { readonly: true });
  try {
    const [a, b] = [await store.createUser('A', 'a', 'h'), await store.createUser('B', 'b', 'h')];
    await store.createFriendRequest(a.id, b.id);
    const ab = await store.acceptFriendRequest(b.id, a.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    // 66 messages: INSERT chunks of 64, 1 and 1; blocks of 64 and 2
    const fillers = Array.from({ length: 60 }, (_, i) => `filler ${i}`);
    const texts = ['keep qj', 'edit vk', 'drop wx', 'gone zf', ...fillers, 'five yp', 'six ur'];
    const results = await store.appendMessages(texts.map((text, i) => ({
      conversationId: text.startsWith('drop') ? g.conversationId : ab, senderId: a.id, text, clientMsgId: null, ts: i })));
    const seqOf = (i: number) => (results[i] as { seq: number }).seq;
    const blocks = () => raw.prepare('SELECT first_id - (SELECT min(first_id) FROM search_blocks) AS first, last_id - first_id + 1 AS n FROM search_blocks ORDER BY 1').all();
    const rowsWith = (pair: string) => raw.prepare('SELECT rowid FROM search_index WHERE search_index MATCH ?').all(`"${Buffer.from(pair).toString('hex')}"`).length;
    assert.equal(blocks(), [{ first: 0, n: 64 }, { first: 64, n: 2 }]);
    assert.equal(['qj', 'vk', 'wx', 'zf', 'yp', 'ur'].map(rowsWith), [1, 1, 1, 1, 1, 1]);
    assert.equal((await store.searchMessages({ userId: b.id, plan: planSearch('ur')!, limit: 5 })).messages.map((m) => m.text), ['six ur']);
    const event = (kind: 'edit' | 'delete', i: number, text: string) =>
      store.appendEvent({ conversationId: ab, senderId: a.id, kind, target: seqOf(i), text, clientMsgId: null, ts: 10, friendId: b.id });
    await event('edit', 1, 'edited mn');
    await event('delete', 3, '');
    assert.equal(['qj', 'vk', 'wx', 'zf', 'mn'].map(rowsWith), [1, 0, 1, 0, 1], 'the old text of the edit and the deleted text are gone');
    await store.leaveGroup(g.id, a.id); // its last member: the group's messages go
    assert.equal(['qj', 'wx', 'mn', 'yp'].map(rowsWith), [1, 0, 1, 1], 'the dropped group\'s text is gone from the block it shared');
    await event('delete', 64, '');
    await event('delete', 65, '');
    assert.equal(blocks(), [{ first: 0, n: 64 }], 'a block left with no message goes');
    assert.equal(['yp', 'ur'].map(rowsWith), [0, 0]);
    // A block whose texts hold no token (only whitespace) stays, so that an edit still finds it
    // (four messages: one chunk, one block).
    const [blank, other] = await store.appendMessages([' ', 'other ok', '\t', '  '].map((text, i) => ({ conversationId: ab, senderId: a.id, text, clientMsgId: null, ts: 20 + i })));
    const target = (r: unknown) => (r as { seq: number }).seq;
    await store.appendEvent({ conversationId: ab, senderId: a.id, kind: 'delete', target: target(other), text: '', clientMsgId: null, ts: 30, friendId: b.id });
    await store.appendEvent({ conversationId: ab, senderId: a.id, kind: 'edit', target: target(blank), text: 'now gh', clientMsgId: null, ts: 31, friendId: b.id });
    assert.is(rowsWith('gh'), 1, 'the edit of a blank message is indexed');
    assert.equal((await store.searchMessages({ userId: b.id, plan: planSearch('now')!, limit: 5 })).messages.map((m) => m.text), ['now gh']);
  } finally {
    raw.close();
    await store.close();
  }
});

// As the store before 012 left a file: every message that is not deleted indexed under its rowid.
const BEFORE_BLOCKS_SEED = `${MEMBERSHIPS_SEED}
  INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at, msg_no) VALUES
    (1, 1, 1, 'old 会议 one', NULL, 1, 1), (1, 2, 2, 'old two', NULL, 2, 2), (2, 1, 1, 'old group', NULL, 3, 1);
  INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at, msg_no, deleted) VALUES (1, 3, 1, '', NULL, 4, 3, 1);
  UPDATE conversations SET last_seq = 3 WHERE id = 1;
  UPDATE conversations SET last_seq = 1 WHERE id = 2;
  INSERT INTO search_index (rowid, tokens) SELECT id, chat_search_tokens(text) FROM messages WHERE kind = 'message' AND deleted = 0;`;

test('migration 012 makes every indexed message a block of its own: old messages are found, and edits and deletes work on them', () => withUpgradedFile(12, BEFORE_BLOCKS_SEED, async (store) => {
  const found = async (query: string) => (await store.searchMessages({ userId: 2, plan: planSearch(query)!, limit: 10 })).messages.map((m) => m.text);
  assert.equal(await found('old'), ['old group', 'old two', 'old 会议 one']);
  assert.equal(await found('会议'), ['old 会议 one']);
  await store.appendEvent({ conversationId: 1, senderId: 1, kind: 'edit', target: 1, text: 'new 数据', clientMsgId: null, ts: 10, friendId: 2 });
  await store.appendEvent({ conversationId: 1, senderId: 2, kind: 'delete', target: 2, text: '', clientMsgId: null, ts: 11, friendId: 1 });
  assert.equal(await found('old'), ['old group']);
  assert.equal(await found('数据'), ['new 数据']);
  await store.appendMessages([{ conversationId: 1, senderId: 1, text: 'after the upgrade', clientMsgId: null, ts: 20 }]);
  assert.equal(await found('upgrade'), ['after the upgrade']);
}));

test('migration 013 records the messages deleted before it, so that unread leaves them out', () => withUpgradedFile(13, DELETIONS_SEED, async (store) => {
  await checkDeletionsUpgrade(store, assert);
}));

// As the store before 014 left a file: a message with a client id, an edit of it, a reply to it and
// a reaction to it, the two messages indexed as one block (the kind CHECK was 007's IN list).
const BEFORE_KIND_CHECK_SEED = `${MEMBERSHIPS_SEED}
  INSERT INTO messages (id, conversation_id, seq, sender_id, text, client_msg_id, created_at, kind, target_seq, reply_to, edited_at, deleted, msg_no) VALUES
    (1, 1, 1, 1, 'kept 会议 one', 'c-1', 1, 'message', NULL, NULL, 3, 0, 1),
    (2, 1, 2, 2, 'an answer', NULL, 2, 'message', NULL, 1, NULL, 0, 2),
    (3, 1, 3, 1, 'kept 会议 one', NULL, 3, 'edit', 1, NULL, NULL, 0, 2),
    (4, 1, 4, 2, '👍', NULL, 4, 'reaction', 1, NULL, NULL, 0, 2);
  INSERT INTO reactions VALUES (1, 1, 2, '👍', 4);
  UPDATE conversations SET last_seq = 4, msg_count = 2 WHERE id = 1;
  INSERT INTO search_index (rowid, tokens) VALUES (1, chat_search_tokens('kept 会议 one') || ' ' || chat_search_tokens('an answer'));
  INSERT INTO search_blocks VALUES (1, 2);`;

test('migration 014 rebuilds messages with the same rows, ids and rule on kind: search, retries, replies and reactions still work', () => withUpgradedFile(14, BEFORE_KIND_CHECK_SEED, async (store) => {
  const found = async (query: string) => (await store.searchMessages({ userId: 2, plan: planSearch(query)!, limit: 10 })).messages.map((m) => m.text);
  assert.equal(await found('会议'), ['kept 会议 one']);
  assert.equal(await found('answer'), ['an answer']);
  const entries = await store.messagesAfter(1, 0, 10);
  assert.equal(entries.map((e) => [e.seq, e.kind, e.target, e.replyTo?.seq ?? null, e.editedAt]), [[1, 'message', null, null, 3], [2, 'message', null, 1, null], [3, 'edit', 1, null, null], [4, 'reaction', 1, null, null]]);
  assert.equal((await store.reactionsOf(1, 1, 1, 1)).map((r) => [r.emoji, r.count]), [['👍', 1]]);
  const [retry] = await store.appendMessages([{ conversationId: 1, senderId: 1, text: 'kept 会议 one', clientMsgId: 'c-1', ts: 9 }]);
  assert.equal(retry, { ok: true, seq: 1, ts: 1, duplicate: true }, 'a retry of a message stored before is recognised');
  const [next] = await store.appendMessages([{ conversationId: 1, senderId: 1, text: 'after the rebuild', clientMsgId: 'c-2', ts: 10 }]);
  assert.equal(next, { ok: true, seq: 5, ts: 10, duplicate: false });
  assert.equal(await found('rebuild'), ['after the rebuild']);
  const raw = new Database(join(dir, 'chat.db'));
  try {
    assert.is(raw.prepare<[], { id: number }>('SELECT max(id) AS id FROM messages').get()!.id, 5, 'ids go on from the kept ones');
    const indexes = raw.prepare<[], { name: string; unique: number; partial: number }>("SELECT name, \"unique\", partial FROM pragma_index_list('messages') ORDER BY name").all();
    assert.equal(indexes, [{ name: 'messages_client_msg', unique: 1, partial: 1 }, { name: 'messages_conversation_seq', unique: 1, partial: 0 }]);
    assert.throws(() => raw.prepare("INSERT INTO messages (conversation_id, seq, sender_id, text, created_at, kind) VALUES (1, 6, 1, 'x', 11, 'bogus')").run(), /CHECK constraint failed/);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    raw.close();
  }
}));

// As the rebuild before 015 could leave a file: the group of block 1's second message was dropped
// and its id went to the next message, which has a block of its own, so the blocks overlap; block
// 3 still reaches past the last message.
const OVERLAPPING_BLOCKS_SEED = `${MEMBERSHIPS_SEED}
  INSERT INTO messages (id, conversation_id, seq, sender_id, text, client_msg_id, created_at, msg_no) VALUES
    (1, 1, 1, 1, 'hello one', NULL, 1, 1), (2, 1, 2, 1, 'hello again', NULL, 4, 2), (3, 1, 3, 1, 'hello last', NULL, 5, 3);
  UPDATE conversations SET last_seq = 3, msg_count = 3 WHERE id = 1;
  INSERT INTO search_index (rowid, tokens) VALUES (1, chat_search_tokens('hello one')), (2, chat_search_tokens('hello again')),
    (3, chat_search_tokens('hello last'));
  INSERT INTO search_blocks VALUES (1, 2), (2, 2), (3, 9);`;

test('migration 015 cuts overlapping search blocks back: a message whose id was reused is found once', () => withUpgradedFile(15, OVERLAPPING_BLOCKS_SEED, async (store) => {
  const found = async (query: string) => (await store.searchMessages({ userId: 2, plan: planSearch(query)!, limit: 10 })).messages.map((m) => m.text);
  assert.equal(await found('hello'), ['hello last', 'hello again', 'hello one']);
  const raw = new Database(join(dir, 'chat.db'), { readonly: true });
  try {
    assert.equal(raw.prepare('SELECT first_id AS first, last_id AS last FROM search_blocks ORDER BY first_id').all(),
      [{ first: 1, last: 1 }, { first: 2, last: 2 }, { first: 3, last: 3 }]);
  } finally {
    raw.close();
  }
  const [next] = await store.appendMessages([{ conversationId: 1, senderId: 1, text: 'hello after', clientMsgId: null, ts: 9 }]);
  assert.ok(next!.ok);
  assert.equal(await found('hello'), ['hello after', 'hello last', 'hello again', 'hello one']);
}));

test('creates missing parent directories', async () => {
  const path = join(dir, 'a', 'b', 'chat.db');
  await SqliteStore.open(path).close();
  assert.ok(existsSync(path));
});

test('works in memory', async () => {
  const store = SqliteStore.open(':memory:');
  const u = await store.createUser('Mem', 'mem', 'h');
  assert.equal(await store.userByKey('mem'), u);
  await store.close();
  await store.close(); // idempotent
});

test('when the whole batch fails, every item reports the failure', async () => {
  const store = SqliteStore.open(join(dir, 'chat.db'));
  const u = await store.createUser('U', 'u', 'h');
  const g = await store.createGroup('G', 'g', '', u.id);
  await store.close();
  const results = await store.appendMessages([
    { conversationId: g.conversationId, senderId: u.id, text: 'a', clientMsgId: null, ts: 1 },
    { conversationId: g.conversationId, senderId: u.id, text: 'b', clientMsgId: null, ts: 2 },
  ]);
  assert.equal(results.map((r) => r.ok), [false, false]);
  assert.ok(results.every((r) => !r.ok && r.error instanceof Error));
});

test.run();
