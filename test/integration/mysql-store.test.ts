// test-timeout: 120
// MysqlStore against the real MariaDB: the whole Store contract, two "nodes" (two stores, two
// pools) writing one conversation, and what only MySQL has: migrations, byte-exact keys, and
// a COMMIT whose answer is lost.
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveDbPoolConfig } from '../../lib/config.ts';
import { migrate, migrationFiles } from '../../lib/db/mysql-migrate.ts';
import { parseMysqlUrl } from '../../lib/db/mysql-url.ts';
import type { Connection, MysqlPool } from '../../lib/db/mysql-pool.ts';
import { MysqlStore } from '../../lib/db/mysql-store.ts';
import type { NewEvent, NewMessage } from '../../lib/db/store.ts';
import { storeContract } from '../contract/store.contract.ts';
import { SHARED, adminQuery, emptyTables, requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { CROSSED_REQUESTS_LEFT, CROSSED_REQUESTS_SEED } from '../helpers/crossed-requests-fixture.ts';
import { DELETIONS_SEED, MEMBERSHIPS_SEED, BLOCKS_UPGRADE_SEED, checkDeletionsUpgrade, checkMentionsUpgrade, mysqlDatabaseBefore } from '../helpers/old-schema.ts';
import { ACCOUNTS_SEED, checkAccountsUpgrade } from '../helpers/accounts-upgrade-fixture.ts';
import { GROUPS_AFTER, GROUPS_SEED } from '../helpers/groups-upgrade-fixture.ts';
import { RANGES_PER_QUERY, indexAllMessages } from '../../lib/db/mysql-search.ts';
import { blockTokenHexes } from '../../lib/db/search-tokens.ts';
import type { SearchPosition } from '../../lib/db/search.ts';
import { SEARCH_UPGRADE_FOUND, SEARCH_UPGRADE_SEED, searchIndexVersion } from '../helpers/search-upgrade-fixture.ts';
import { planSearch } from '../../lib/db/search-tokens.ts';
import { MESSAGE_EVENTS_SEED, checkUpgradedMessages } from '../helpers/message-events-fixture.ts';

const POOL = resolveDbPoolConfig({ min: 1, max: 6, logIntervalMs: 0 });

if (await requireMariadb('test/integration/mysql-store.test.ts')) {
  const db = scratchDb();
  // Migrated once; each contract test then starts from empty tables.
  await (await MysqlStore.open(db.url, POOL)).close();

  storeContract('MysqlStore', async () => {
    await emptyTables(db.name);
    return { store: await MysqlStore.open(db.url, POOL), cleanup: async () => {} };
  });

  const msg = (conversationId: number, senderId: number, text: string, clientMsgId: string | null = null, ts = Date.now()): NewMessage =>
    ({ conversationId, senderId, text, clientMsgId, ts });

  /**
   * A scratch database at the schema before migration `version` with `seed` in it, opened (so
   * migrated) by today's store: every migration is recorded, then `check` runs; both are dropped after.
   */
  const withUpgradedDb = async (version: number, seed: string, check: (store: MysqlStore, db: ReturnType<typeof scratchDb>) => Promise<void>) => {
    const old = scratchDb();
    try {
      await mysqlDatabaseBefore(old.name, version, seed);
      const upgraded = await MysqlStore.open(old.url, POOL);
      try {
        const versions = await adminQuery<{ name: string }>(`SELECT name FROM \`${old.name}\`.schema_version ORDER BY version`);
        assert.equal(versions.map((r) => r.name), migrationFiles().map((f) => f.name));
        await check(upgraded, old);
      } finally {
        await upgraded.close();
      }
    } finally {
      await old.drop();
    }
  };

  const test = suite('MysqlStore specifics');
  let store: MysqlStore;
  test.before.each(async () => {
    await emptyTables(db.name);
    store = await MysqlStore.open(db.url, POOL);
  });
  test.after.each(async () => {
    await store.close();
  });
  test.after(async () => {
    await db.drop();
  });

  test('the database is created, and every migration is recorded once', async () => {
    const fresh = scratchDb();
    try {
      await (await MysqlStore.open(fresh.url, POOL)).close();
      await (await MysqlStore.open(fresh.url, POOL)).close();
      const rows = await adminQuery<{ version: number; name: string }>(`SELECT version, name FROM \`${fresh.name}\`.schema_version ORDER BY version`);
      assert.equal(rows.map((r) => [r.version, r.name]), migrationFiles().map((f) => [f.version, f.name]));
      const [schema] = await adminQuery<{ cs: string; co: string }>(
        'SELECT default_character_set_name AS cs, default_collation_name AS co FROM information_schema.schemata WHERE schema_name = ?', [fresh.name]);
      assert.equal([schema?.cs, schema?.co], ['utf8mb4', 'utf8mb4_bin']);
    } finally {
      await fresh.drop();
    }
  });

  test('a user looked up and missed on one node is found there once another node registers it', async () => {
    const other = await MysqlStore.open(db.url, POOL);
    try {
      assert.is(await store.userByKey('zed'), null);
      const created = await other.createUser('Zed', 'zed', 'hash');
      assert.equal(await store.userByKey('zed'), created, 'a miss is not remembered');
      assert.equal(await store.userByKey('zed'), created, 'and a hit stays right');
    } finally {
      await other.close();
    }
  });

  test('a batch of many sizes and awkward texts goes in through the text protocol byte-exact', async () => {
    const a = await store.createUser('a', 'a', 'h');
    const b = await store.createUser('b', 'b', 'h');
    await store.createFriendRequest(a.id, b.id);
    const conv = await store.acceptFriendRequest(b.id, a.id);
    const texts = [`it's "quoted" \\ back\\slash`, "'; DROP TABLE messages; --", '😀 ẞ \u0000 nul', 'x'.repeat(5000)];
    let n = 0;
    for (const size of [1, 2, 7, 64, 200]) {
      const batch = Array.from({ length: size }, (_, i) => msg(conv, a.id, texts[(n + i) % texts.length]!, `id-${n + i}'"`));
      const results = await store.appendMessages(batch);
      assert.ok(results.every((r) => r.ok && !r.duplicate), `batch of ${size}`);
      n += size;
    }
    const stored = [];
    for (let after = 0; stored.length < n;) {
      const page = await store.messagesAfter(conv, after, 100);
      if (page.length === 0) break;
      stored.push(...page);
      after = page[page.length - 1]!.seq;
    }
    assert.is(stored.length, n);
    stored.forEach((m, i) => {
      assert.is(m.text, texts[i % texts.length], `text ${i}`);
      assert.is(m.clientMsgId, `id-${i}'"`, `client id ${i}`);
      assert.is(m.seq, i + 1);
    });
    const again = await store.appendMessages([msg(conv, a.id, 'again', `id-3'"`)]);
    assert.equal(again[0], { ok: true, seq: 4, ts: stored[3]!.ts, duplicate: true }, 'a client id with quotes is found again');
  });

  test('migration 007 gives every existing membership the notification level all; mute then works', () => withUpgradedDb(7, MEMBERSHIPS_SEED, async (upgraded) => {
    assert.equal((await upgraded.conversationsOf(2)).map((c) => [c.conversationId, c.notify]), [[1, 'all'], [2, 'all']]);
    await upgraded.setNotifyLevel(2, 2, 'none');
    assert.is((await upgraded.conversationOf(2, 2))?.notify, 'none');
  }));

  test('migration 008 adds blocks: nobody is blocked, friendships stand; block then works', () => withUpgradedDb(8, MEMBERSHIPS_SEED, async (upgraded) => {
    assert.equal(await upgraded.blockedOf(1), []);
    assert.is(await upgraded.directConversation(1, 2), 1);
    assert.equal(await upgraded.block(1, 2), { unfriended: true });
    assert.equal(await upgraded.blockedOf(1), [{ id: 2, name: 'B' }]);
  }));

  test('migration 009 adds mentions to an existing database: a mention is stored and counted, older conversations count none', () => withUpgradedDb(9, MEMBERSHIPS_SEED, async (upgraded) => {
    await checkMentionsUpgrade(upgraded, assert);
  }));

  test('migration 010 records the messages deleted before it, so that unread leaves them out', () => withUpgradedDb(10, DELETIONS_SEED, async (upgraded) => {
    await checkDeletionsUpgrade(upgraded, assert);
  }));

  test('migration 011 indexes every stored message by blocks from the messages themselves and drops 006\'s table', () => withUpgradedDb(11, BLOCKS_UPGRADE_SEED, async (upgraded, old) => {
    const found = async (userId: number, query: string) =>
      (await upgraded.searchMessages({ userId, plan: planSearch(query)!, limit: 10 })).messages.map((m) => m.text);
    assert.equal(await found(1, 'one'), ['one']);
    assert.equal(await found(2, 'THREE'), ['three']);
    // 006's rows said conversation 2 held "zz": they are not what search reads any more
    assert.equal(await found(1, 'zz'), []);
    const tables = await adminQuery<{ n: string }>(`SELECT table_name AS n FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE 'search%'`, [old.name]);
    assert.equal(tables.map((t) => t.n).sort(), ['search_block_tokens', 'search_blocks']);
    // the deleted message (seq 2, a tombstone) and the delete event are in the block's range, not its tokens
    const blocks = await adminQuery<{ c: number; f: number; l: number }>(`SELECT conversation_id AS c, first_seq AS f, last_seq AS l FROM \`${old.name}\`.search_blocks`);
    assert.equal(blocks.map((b) => [Number(b.c), Number(b.f), Number(b.l)]), [[2, 1, 3]]);
    await checkDeletionsUpgrade(upgraded, assert);
  }));

  test('a migration numbered below one already applied still runs (branches merge with numbers in between)', async () => {
    const old = scratchDb();
    try {
      await mysqlDatabaseBefore(old.name, 7, MEMBERSHIPS_SEED);
      const later = migrationFiles().find((f) => f.version === 9)!;
      const conn = await mysql.createConnection({ ...SHARED, database: old.name, multipleStatements: true, charset: 'utf8mb4_bin' });
      try {
        await conn.query(readFileSync(new URL(`../../sql/mysql/${later.name}`, import.meta.url), 'utf8'));
        await conn.query('INSERT INTO schema_version VALUES (?, ?, 0)', [later.version, later.name]);
      } finally {
        await conn.end();
      }
      const upgraded = await MysqlStore.open(old.url, POOL);
      try {
        const versions = await adminQuery<{ name: string }>(`SELECT name FROM \`${old.name}\`.schema_version ORDER BY version`);
        assert.equal(versions.map((r) => r.name), migrationFiles().map((f) => f.name));
        await upgraded.setNotifyLevel(2, 2, 'mentions');
        assert.is((await upgraded.conversationOf(2, 2))?.notify, 'mentions');
      } finally {
        await upgraded.close();
      }
    } finally {
      await old.drop();
    }
  });

  test('migration 002 leaves one request of each crossed pair and none between friends; the next add befriends them', async () => {
    // A database as version 1 left it, with what crossed friend_adds stored before addFriend
    // decided in one transaction: both A->B and B->A.
    const old = scratchDb();
    try {
      await mysqlDatabaseBefore(old.name, 2, CROSSED_REQUESTS_SEED);
      const upgraded = await MysqlStore.open(old.url, POOL);
      try {
        const versions = await adminQuery<{ name: string }>(`SELECT name FROM \`${old.name}\`.schema_version ORDER BY version`);
        assert.equal(versions.map((r) => r.name), migrationFiles().map((f) => f.name));
        const left = await adminQuery<{ f: number; t: number }>(`SELECT from_id AS f, to_id AS t FROM \`${old.name}\`.friend_requests ORDER BY f, t`);
        assert.equal(left.map((r) => [r.f, r.t]), CROSSED_REQUESTS_LEFT);
        assert.equal([await upgraded.relation(1, 2), await upgraded.relation(2, 1)], ['out', 'in']);
        assert.equal([await upgraded.relation(1, 3), await upgraded.relation(3, 1)], ['friends', 'friends']);
        assert.is((await upgraded.addFriend(2, 1)).status, 'accepted');
        assert.is(await upgraded.acceptFriendRequest(4, 3), (await upgraded.directConversationId(3, 4))!);
        assert.equal([await upgraded.relation(1, 2), await upgraded.relation(3, 4), await upgraded.relation(6, 5)], ['friends', 'friends', 'in']);
      } finally {
        await upgraded.close();
      }
    } finally {
      await old.drop();
    }
  });

  test('migration 005 turns every stored message into a message entry; unread, retries and events work on the upgraded database', async () => {
    // A database at the schema of version 2 (the main branch this work started from), with messages.
    const old = scratchDb();
    try {
      await mysqlDatabaseBefore(old.name, 3, MESSAGE_EVENTS_SEED);
      const upgraded = await MysqlStore.open(old.url, POOL);
      try {
        const versions = await adminQuery<{ name: string }>(`SELECT name FROM \`${old.name}\`.schema_version ORDER BY version`);
        assert.equal(versions.map((r) => r.name), migrationFiles().map((f) => f.name));
        await checkUpgradedMessages(upgraded);
      } finally {
        await upgraded.close();
      }
    } finally {
      await old.drop();
    }
  });

  test('migration 005 can run twice (MySQL DDL is not transactional: an interrupted run is run again)', async () => {
    const db = scratchDb();
    try {
      await (await MysqlStore.open(db.url, POOL)).close();
      const conn = await mysql.createConnection({ ...SHARED, multipleStatements: true, charset: 'utf8mb4_bin', database: db.name });
      try {
        await conn.query(readFileSync(new URL('../../sql/mysql/005_message_events.sql', import.meta.url), 'utf8'));
      } finally {
        await conn.end();
      }
    } finally {
      await db.drop();
    }
  });

  test('the search index migrations index the messages stored before them, and a re-run of the block step changes nothing', async () => {
    const old = scratchDb();
    try {
      await mysqlDatabaseBefore(old.name, searchIndexVersion(migrationFiles().map((f) => f.name)), SEARCH_UPGRADE_SEED);
      const upgraded = await MysqlStore.open(old.url, POOL);
      try {
        const versions = await adminQuery<{ name: string }>(`SELECT name FROM \`${old.name}\`.schema_version ORDER BY version`);
        assert.equal(versions.map((r) => r.name), migrationFiles().map((f) => f.name));
        for (const [userId, query, texts] of SEARCH_UPGRADE_FOUND) {
          const page = await upgraded.searchMessages({ userId, plan: planSearch(query)!, limit: 10 });
          assert.equal(page.messages.map((m) => m.text), texts, `user ${userId} searching ${query}`);
        }
        const count = async () => (await adminQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${old.name}\`.search_block_tokens`))[0]!.n;
        const before = await count();
        assert.ok(before > 0);
        const again = await mysql.createConnection({ ...SHARED, database: old.name, charset: 'utf8mb4_bin' });
        try {
          await indexAllMessages(again);
        } finally {
          await again.end();
        }
        assert.is(await count(), before);
      } finally {
        await upgraded.close();
      }
    } finally {
      await old.drop();
    }
  });

  test('migration 003 keeps every creator and member, and keeps groups public with shared history', async () => {
    const old = scratchDb();
    try {
      await mysqlDatabaseBefore(old.name, 3, GROUPS_SEED);
      const upgraded = await MysqlStore.open(old.url, POOL);
      try {
        const versions = await adminQuery<{ name: string }>(`SELECT name FROM \`${old.name}\`.schema_version ORDER BY version`);
        assert.equal(versions.map((r) => r.name), migrationFiles().map((f) => f.name));
        for (const want of GROUPS_AFTER) {
          const g = (await upgraded.groupByKey(want.name.toLowerCase()))!;
          assert.equal([g.creatorId, g.private, g.history], [want.creatorId, want.private, want.history], want.name);
          assert.equal((await upgraded.groupMembers(g.id)).map((m) => `${m.name}:${m.role}`), want.members, want.name);
        }
        const ann = (await upgraded.conversationOf(1, 7))!;
        assert.equal([ann.delivered, ann.read, ann.lastSeq, ann.visibleAfter], [1, 2, 2, 0]);
        assert.equal((await upgraded.messagesAfter(7, 0, 10)).map((m) => m.text), ['one', 'two']);
        const rust = (await upgraded.groupByKey('rust'))!;
        await upgraded.setGroupRole(rust.id, 2, 3, 'admin');
        assert.equal(await upgraded.leaveGroup(rust.id, 2), { deleted: false, newCreatorId: 3 });
      } finally {
        await upgraded.close();
      }
      // Re-runnable: the file applied again changes nothing and fails on nothing.
      const again = await mysql.createConnection({ ...SHARED, database: old.name, multipleStatements: true, charset: 'utf8mb4_bin' });
      try {
        await again.query(readFileSync(new URL('../../sql/mysql/003_group_roles_privacy.sql', import.meta.url), 'utf8'));
      } finally {
        await again.end();
      }
    } finally {
      await old.drop();
    }
  });

  test('migration 004 upgrades a version-2 database, and running it again changes nothing', async () => {
    const old = scratchDb();
    try {
      await mysqlDatabaseBefore(old.name, 3, ACCOUNTS_SEED);
      const upgraded = await MysqlStore.open(old.url, POOL);
      try {
        const versions = await adminQuery<{ name: string }>(`SELECT name FROM \`${old.name}\`.schema_version ORDER BY version`);
        assert.equal(versions.map((r) => r.name), migrationFiles().map((f) => f.name));
        await checkAccountsUpgrade(upgraded);
        // DDL is not transactional: an interrupted migration is simply run again.
        const again = await mysql.createConnection({ ...SHARED, database: old.name, multipleStatements: true, charset: 'utf8mb4_bin' });
        try {
          await again.query(readFileSync(new URL('../../sql/mysql/004_accounts.sql', import.meta.url), 'utf8'));
        } finally {
          await again.end();
        }
        assert.is((await upgraded.accounts.tokensOf(1, 0))[0]!.liveConn, 'n1:1');
      } finally {
        await upgraded.close();
      }
    } finally {
      await old.drop();
    }
  });

  test('nodes starting at once on a new database migrate it exactly once', async () => {
    const fresh = scratchDb();
    try {
      const results = await Promise.all([1, 2, 3].map(() => migrate(parseMysqlUrl(fresh.url))));
      assert.equal(results.map((r) => r.applied.length).sort(), [0, 0, migrationFiles().length], 'one of them applied everything');
      assert.ok(results.every((r) => r.version === migrationFiles().at(-1)!.version));
    } finally {
      await fresh.drop();
    }
  });

  test('keys are bytes: no case folding, no trailing-space padding, no accent folding', async () => {
    const plain = await store.createUser('k', 'k', 'h');
    const spaced = await store.createUser('k ', 'k ', 'h');
    const upper = await store.createUser('K', 'K', 'h');
    const accented = await store.createUser('é', 'é', 'h');
    const decomposed = await store.createUser('é', 'e\u0301', 'h');
    assert.is(new Set([plain.id, spaced.id, upper.id, accented.id, decomposed.id]).size, 5);
    assert.is((await store.userByKey('k '))?.id, spaced.id);
    assert.is((await store.userByKey('k'))?.id, plain.id);
    const g = await store.createGroup('G', 'g', '', plain.id);
    const results = await store.appendMessages([msg(g.conversationId, plain.id, 'a', 'id'), msg(g.conversationId, plain.id, 'b', 'id ')]);
    assert.equal(results.map((r) => r.ok && r.duplicate), [false, false], "'id' and 'id ' are two client ids");
  });

  test('two nodes (two stores, two pools) writing one conversation get exactly 1..N', async () => {
    const other = await MysqlStore.open(db.url, POOL);
    try {
      const a = await store.createUser('Ann', 'ann', 'h');
      const b = await store.createUser('Bob', 'bob', 'h');
      const g = await store.createGroup('G', 'g', '', a.id);
      await store.joinGroup(g.id, b.id);
      const conv = g.conversationId;
      // Each node runs several batches at once (its pool has 6 connections), like a busy server.
      const node = (s: MysqlStore, sender: number, tag: string) =>
        Promise.all(Array.from({ length: 6 }, async (_, lane) => {
          const seqs: number[] = [];
          for (let i = 0; i < 15; i++) {
            const batch = Array.from({ length: 1 + ((i + lane) % 4) }, (_, j) => msg(conv, sender, `${tag}${lane}.${i}.${j}`, `${tag}-${lane}-${i}-${j}`));
            for (const r of await s.appendMessages(batch)) {
              if (!r.ok) throw r.error;
              seqs.push(r.seq);
            }
          }
          return seqs;
        }));
      const [fromA, fromB] = await Promise.all([node(store, a.id, 'a'), node(other, b.id, 'b')]);
      const all = [...fromA.flat(), ...fromB.flat()].sort((x, y) => x - y);
      assert.equal(all, Array.from({ length: all.length }, (_, i) => i + 1), 'no duplicate, no gap');
      const stored = await other.messagesAfter(conv, 0, 100_000);
      assert.equal(stored.map((m) => m.seq), all);
      assert.is((await store.conversationOf(a.id, conv))?.lastSeq, all.length);
      // Every lane awaited its own batches, so its seqs ascend.
      for (const lane of [...fromA, ...fromB]) assert.equal(lane, [...lane].sort((x, y) => x - y));
    } finally {
      await other.close();
    }
  });

  test('a group message\'s result lists the members its transaction saw; a kick through another node is before or after it, never both', async () => {
    const other = await MysqlStore.open(db.url, POOL);
    try {
      const a = await store.createUser('Ann', 'ann', 'h');
      const b = await store.createUser('Bob', 'bob', 'h');
      const g = await store.createGroup('G', 'g', '', a.id);
      await store.joinGroup(g.id, b.id);
      const one = async (text: string) => {
        const r = await store.appendBatch([msg(g.conversationId, a.id, text)], []);
        assert.ok(r.messages[0]!.ok);
        return { seq: (r.messages[0] as { seq: number }).seq, members: r.members?.[0] };
      };
      assert.equal((await one('both see this')).members, [a.id, b.id]);
      // Racing: each result either lists Bob and was stored before the kick, or does not list him.
      const racing = Promise.all(Array.from({ length: 20 }, (_, i) => one(`m${i}`)));
      const kick = other.removeFromGroup(g.id, a.id, b.id, false);
      const results = await racing;
      await kick;
      const seenByBob = (await other.messagesAfter(g.conversationId, 0, 100)).map((m) => m.seq);
      // The kick is not a seq of its own: whether Bob was listed must match the commit order,
      // which a second read of the member list after each result cannot tell; the lists agree
      // with one cut: every seq listing Bob is below every seq not listing him.
      const listed = results.filter((r) => r.members!.includes(b.id)).map((r) => r.seq);
      const unlisted = results.filter((r) => !r.members!.includes(b.id)).map((r) => r.seq);
      assert.ok(listed.every((x) => unlisted.every((y) => x < y)), `one cut: ${listed} | ${unlisted}`);
      assert.ok(seenByBob.length >= 21);
      assert.equal((await one('Ann alone')).members, [a.id]);
    } finally {
      await other.close();
    }
  });

  test('an event\'s roster is the members its transaction saw: after a kick through another node, without the kicked', async () => {
    const other = await MysqlStore.open(db.url, POOL);
    try {
      const a = await store.createUser('Ann', 'ann', 'h');
      const b = await store.createUser('Bob', 'bob', 'h');
      const g = await store.createGroup('G', 'g', '', a.id);
      await store.joinGroup(g.id, b.id);
      const [m] = await store.appendMessages([msg(g.conversationId, a.id, 'react to me')]);
      const react = async (emoji: string) => {
        const roster: { members?: readonly number[] } = {};
        const r = await store.appendEvent({ conversationId: g.conversationId, senderId: a.id, kind: 'reaction', target: (m as { seq: number }).seq, text: emoji, clientMsgId: null, ts: 1 }, roster);
        assert.ok(r.changed);
        return roster.members;
      };
      assert.equal(await react('👍'), [a.id, b.id]);
      await other.removeFromGroup(g.id, a.id, b.id, false);
      assert.equal(await react('🎉'), [a.id]);
    } finally {
      await other.close();
    }
  });

  test('search blocks: a batch\'s messages of one conversation are one block, cut at 64; an edit or a delete leaves no token of the old text', async () => {
    const a = await store.createUser('Ann', 'ann', 'h');
    const g = await store.createGroup('G', 'g', '', a.id);
    const h = await store.createGroup('H', 'h', '', a.id);
    const batch = [...Array.from({ length: 70 }, (_, i) => msg(g.conversationId, a.id, `m${i} plain`)), msg(h.conversationId, a.id, 'other')];
    batch.splice(3, 0, msg(g.conversationId, a.id, 'unique 甲乙'));
    const results = (await store.appendMessages(batch)) as { seq: number }[];
    const blocks = async () => (await adminQuery<{ c: number; f: number; l: number }>(
      `SELECT conversation_id AS c, first_seq AS f, last_seq AS l FROM \`${db.name}\`.search_blocks ORDER BY 1, 2`)).map((b) => [Number(b.c), Number(b.f), Number(b.l)]);
    assert.equal(await blocks(), [[g.conversationId, 1, 64], [g.conversationId, 65, 71], [h.conversationId, 1, 1]]);
    const tokenRows = async (hex: string) => Number((await adminQuery<{ n: number }>(
      `SELECT COUNT(*) AS n FROM \`${db.name}\`.search_block_tokens WHERE token = x'${hex}'`))[0]!.n);
    const pair = Buffer.from('甲乙').toString('hex');
    assert.is(await tokenRows(pair), 1);
    const seq = results[3]!.seq;
    const event = (kind: NewEvent['kind'], text: string) =>
      store.appendEvent({ conversationId: g.conversationId, senderId: a.id, kind, target: seq, text, clientMsgId: null, ts: 5 });
    await event('edit', 'unique 丙丁');
    assert.is(await tokenRows(pair), 0, 'the replaced text left no token');
    assert.is(await tokenRows(Buffer.from('丙丁').toString('hex')), 1);
    await event('delete', '');
    assert.is(await tokenRows(Buffer.from('丙丁').toString('hex')), 0, 'the deleted text left no token');
    assert.is(await tokenRows(Buffer.from('pl').toString('hex')), 2, 'the block\'s other messages stay indexed');
    assert.equal(await blocks(), [[g.conversationId, 1, 64], [g.conversationId, 65, 71], [h.conversationId, 1, 1]]);
    // the rewritten block holds exactly the tokens of its messages as they now are
    const held = await adminQuery<{ h: string }>(
      `SELECT LOWER(HEX(token)) AS h FROM \`${db.name}\`.search_block_tokens WHERE conversation_id = ? AND first_seq = 1`, [g.conversationId]);
    const live = batch.slice(0, 64).filter((_, i) => i !== 3).map((m) => m.text);
    assert.equal(held.map((r) => r.h).sort(), blockTokenHexes(live).sort());
    await store.deleteGroup(g.id, a.id);
    assert.equal(await blocks(), [[h.conversationId, 1, 1]], 'a dropped group takes its blocks');
    assert.is(await tokenRows(Buffer.from('pl').toString('hex')), 0);
  });

  test('search blocks: later batches go on filling a conversation\'s newest block until it holds 64 or something else came after it', async () => {
    const a = await store.createUser('Ann', 'ann', 'h');
    const g = await store.createGroup('G', 'g', '', a.id);
    const h = await store.createGroup('H', 'h', '', a.id);
    const blocks = async () => (await adminQuery<{ c: number; f: number; l: number; n: number }>(
      `SELECT conversation_id AS c, first_seq AS f, last_seq AS l, size AS n FROM \`${db.name}\`.search_blocks ORDER BY 1, 2`))
      .map((b) => [Number(b.c) === g.conversationId ? 'g' : 'h', Number(b.f), Number(b.l), Number(b.n)]);
    const held = async (conv: number, first: number) => (await adminQuery<{ h: string }>(
      `SELECT LOWER(HEX(token)) AS h FROM \`${db.name}\`.search_block_tokens WHERE conversation_id = ? AND first_seq = ?`, [conv, first])).map((r) => r.h).sort();
    const texts: string[] = [];
    for (let i = 0; i < 62; i++) {
      const text = i === 5 ? '会议 then' : `m${i} ${i % 7}`;
      texts.push(text);
      await store.appendMessages([msg(g.conversationId, a.id, text), ...(i < 2 ? [msg(h.conversationId, a.id, `h${i}`)] : [])]);
    }
    assert.equal(await blocks(), [['g', 1, 62, 62], ['h', 1, 2, 2]], 'one block each, filled one batch at a time');
    assert.equal(await held(g.conversationId, 1), blockTokenHexes(texts).sort(), 'each token once, none missing');
    // three more: two fill the block to 64, the third starts the next one
    await store.appendMessages(['x1', 'x2', 'x3'].map((t) => msg(g.conversationId, a.id, t)));
    texts.push('x1', 'x2');
    assert.equal(await blocks(), [['g', 1, 64, 64], ['g', 65, 65, 1], ['h', 1, 2, 2]]);
    assert.equal(await held(g.conversationId, 1), blockTokenHexes(texts).sort());
    // an event after a block's last message closes it: the next message starts a block of its own
    await store.appendEvent({ conversationId: h.conversationId, senderId: a.id, kind: 'reaction', target: 2, text: '👍', clientMsgId: null, ts: 5 });
    await store.appendMessages([msg(h.conversationId, a.id, 'after the reaction')]);
    assert.equal(await blocks(), [['g', 1, 64, 64], ['g', 65, 65, 1], ['h', 1, 2, 2], ['h', 4, 4, 1]]);
    // an edit rewrites the block's tokens and keeps its range and size, so it goes on filling
    await store.appendEvent({ conversationId: g.conversationId, senderId: a.id, kind: 'edit', target: 65, text: 'x3 edited', clientMsgId: null, ts: 6 });
    assert.equal(await held(g.conversationId, 65), blockTokenHexes(['x3 edited']).sort());
    await store.appendMessages([msg(g.conversationId, a.id, 'y')]);
    assert.equal(await blocks(), [['g', 1, 64, 64], ['g', 65, 65, 1], ['g', 67, 67, 1], ['h', 1, 2, 2], ['h', 4, 4, 1]],
      'the edit is an entry after the block: the next message starts a new one');
    const found = await store.searchMessages({ userId: a.id, plan: planSearch('会议')!, limit: 10 });
    assert.equal(found.messages.map((m) => m.text), ['会议 then']);
  });

  test('search blocks: two nodes filling one block each add what the other did not, and every message is found', async () => {
    const other = await MysqlStore.open(db.url, POOL);
    try {
      const a = await store.createUser('Ann', 'ann', 'h');
      const g = await store.createGroup('G', 'g', '', a.id);
      const texts: string[] = [];
      for (let i = 0; i < 12; i++) {
        // each node's cache knows the block only as it left it: the other's message changed it since
        const text = `common w${i} ${String.fromCodePoint(0x4e00 + 2 * i, 0x4e01 + 2 * i)}`;
        texts.push(text);
        await (i % 3 === 0 ? other : store).appendMessages([msg(g.conversationId, a.id, text)]);
      }
      const held = await adminQuery<{ h: string }>(
        `SELECT LOWER(HEX(token)) AS h FROM \`${db.name}\`.search_block_tokens WHERE conversation_id = ? AND first_seq = 1`, [g.conversationId]);
      assert.equal(held.map((r) => r.h).sort(), blockTokenHexes(texts).sort());
      for (let i = 0; i < 12; i++) {
        const found = await other.searchMessages({ userId: a.id, plan: planSearch(texts[i]!.split(' ')[2]!)!, limit: 10 });
        assert.equal(found.messages.map((m) => m.text), [texts[i]]);
      }
    } finally {
      await other.close();
    }
  });

  test(`search blocks: more matching blocks than one candidate query takes (${RANGES_PER_QUERY}) still page newest first, each message once`, async () => {
    const a = await store.createUser('Ann', 'ann', 'h');
    const g = await store.createGroup('G', 'g', '', a.id);
    // a reaction after each message closes its block: one block per message
    const count = RANGES_PER_QUERY + 20;
    for (let i = 0; i < count; i++) {
      const [r] = (await store.appendMessages([msg(g.conversationId, a.id, `needle ${i}`, null, 1_000 + i)])) as { seq: number }[];
      await store.appendEvent({ conversationId: g.conversationId, senderId: a.id, kind: 'reaction', target: r!.seq, text: '+', clientMsgId: null, ts: 1 });
    }
    const [{ n }] = await adminQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${db.name}\`.search_blocks`);
    assert.is(Number(n), count);
    const seen: string[] = [];
    let before: SearchPosition | undefined;
    for (let page = 0; page < 20; page++) {
      const got = await store.searchMessages({ userId: a.id, plan: planSearch('needle')!, limit: 100, before });
      seen.push(...got.messages.map((m) => m.text));
      if (got.next === null) break;
      before = got.next;
    }
    assert.equal(seen, Array.from({ length: count }, (_, i) => `needle ${count - 1 - i}`));
  });

  test('the same client id sent through two nodes at once is stored once', async () => {
    const other = await MysqlStore.open(db.url, POOL);
    try {
      const a = await store.createUser('Ann', 'ann', 'h');
      const g = await store.createGroup('G', 'g', '', a.id);
      const rounds = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        Promise.all([store, other].map((s) => s.appendMessages([msg(g.conversationId, a.id, `m${i}`, `same-${i}`)])))));
      for (const pair of rounds) {
        const [x, y] = pair.map((r) => r[0]!);
        assert.ok(x.ok && y.ok);
        assert.is(x.ok && y.ok && x.seq === y.seq, true, 'both answers carry the one stored seq');
        assert.equal([x.ok && x.duplicate, y.ok && y.duplicate].sort(), [false, true]);
      }
      assert.is((await store.messagesAfter(g.conversationId, 0, 1000)).length, 20);
    } finally {
      await other.close();
    }
  });

  /** Makes the next COMMIT on this store's pool look lost: it runs (or not: what came before it in its trip runs), then the connection dies. */
  function loseNextCommit(s: MysqlStore, commitFirst: boolean): { fired: () => boolean } {
    const pool = (s as unknown as { pool: MysqlPool }).pool;
    const use = pool.use.bind(pool);
    let fired = false;
    pool.use = <T>(fn: (conn: Connection) => Promise<T>) =>
      use((conn) => {
        if (fired) return fn(conn);
        const query = conn.query.bind(conn);
        const wrapped = new Proxy(conn, {
          get(target, prop, receiver) {
            if (prop !== 'query') return Reflect.get(target, prop, receiver);
            return async (sql: string, ...rest: unknown[]) => {
              const send = query as (...a: unknown[]) => Promise<unknown>;
              // The COMMIT goes alone, or as the last statement of a batch's write trip.
              const commits = sql === 'COMMIT' || sql.endsWith(';\nCOMMIT');
              if (!commits || fired) return send(sql, ...rest);
              fired = true;
              if (commitFirst) await send(sql, ...rest);
              else if (sql !== 'COMMIT') await send(sql.slice(0, -';\nCOMMIT'.length), ...rest);
              target.destroy();
              throw Object.assign(new Error('Connection lost: The server closed the connection.'), { fatal: true, code: 'PROTOCOL_CONNECTION_LOST' });
            };
          },
        });
        return fn(wrapped);
      });
    return { fired: () => fired };
  }

  for (const landed of [true, false]) {
    test(`a lost COMMIT that ${landed ? 'landed' : 'did not land'} stores every message exactly once, with or without client ids`, async () => {
      const a = await store.createUser('Ann', 'ann', 'h');
      const g = await store.createGroup('G', 'g', '', a.id);
      await store.appendMessages([msg(g.conversationId, a.id, 'before', null, 1)]);
      const lost = loseNextCommit(store, landed);
      const results = await store.appendMessages([
        msg(g.conversationId, a.id, 'no id', null, 10),
        msg(g.conversationId, a.id, 'with id', 'c1', 11),
        msg(g.conversationId, a.id, 'with id again', 'c1', 12),
      ]);
      assert.ok(lost.fired(), 'the fault was injected');
      assert.equal(results, [
        { ok: true, seq: 2, ts: 10, duplicate: false },
        { ok: true, seq: 3, ts: 11, duplicate: false },
        { ok: true, seq: 3, ts: 11, duplicate: true },
      ]);
      const stored = await store.messagesAfter(g.conversationId, 0, 10);
      assert.equal(stored.map((m) => [m.seq, m.text]), [[1, 'before'], [2, 'no id'], [3, 'with id']]);
      assert.is(store.poolStats().borrowed, 0);
    });
  }

  test.run();
}
