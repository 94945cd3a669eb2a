// Databases as an earlier schema left them, for the upgrade tests: every migration numbered
// below `version` applied and recorded, exactly as the migrators of that time did, and `seed`
// run on top. Opening the store afterwards migrates the rest.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { stepOf } from '../../lib/db/mysql-migrate.ts';
import { registerSearchFunctions } from '../../lib/db/sqlite-search.ts';
import { SHARED } from './mariadb.ts';

function migrationsBelow(dialect: 'sqlite' | 'mysql', version: number): { version: number; name: string; sql: string }[] {
  const dir = new URL(`../../sql/${dialect}/`, import.meta.url);
  return readdirSync(dir)
    .filter((name) => /^\d+_.*\.sql$/.test(name) && Number(name.split('_')[0]) < version)
    .sort()
    .map((name) => ({ version: Number(name.split('_')[0]), name, sql: readFileSync(new URL(name, dir), 'utf8') }));
}

/** A SQLite file at the schema before migration `version`, with `seed` (SQL) in it. */
export function sqliteFileBefore(path: string, version: number, seed: string): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    registerSearchFunctions(db); // as SqliteStore does before it migrates: a migration may call them
    db.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of migrationsBelow('sqlite', version)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version VALUES (?, ?, 0)').run(m.version, m.name);
    }
    db.exec(seed);
  } finally {
    db.close();
  }
}

/** A MySQL database `name` (created here) at the schema before migration `version`, with `seed` in it. */
export async function mysqlDatabaseBefore(name: string, version: number, seed: string): Promise<void> {
  const conn = await mysql.createConnection({ ...SHARED, multipleStatements: true, charset: 'utf8mb4_bin' });
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query(`USE \`${name}\``);
    await conn.query('CREATE TABLE schema_version (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)');
    for (const m of migrationsBelow('mysql', version)) {
      await conn.query(m.sql);
      await stepOf(m.name)?.(conn);
      await conn.query('INSERT INTO schema_version VALUES (?, ?, 0)', [m.version, m.name]);
    }
    await conn.query(seed);
  } finally {
    await conn.end();
  }
}

/** Two users who are friends, and a group both are in: memberships as any earlier schema kept them. */
export const MEMBERSHIPS_SEED = `INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES
    (1, 'A', 'a', 'h', 0), (2, 'B', 'b', 'h', 0);
  INSERT INTO conversations (id, kind, direct_key, last_seq, created_at) VALUES (1, 'direct', '1:2', 0, 0), (2, 'group', NULL, 0, 0);
  INSERT INTO friendships VALUES (1, 2, 1, 0), (2, 1, 1, 0);
  INSERT INTO chat_groups (id, name, name_key, description, creator_id, conversation_id, created_at) VALUES (1, 'G', 'g', '', 1, 2, 0);
  INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (1, 1, 'member', 0), (1, 2, 'member', 0), (2, 1, 'creator', 0), (2, 2, 'member', 10);
  `;

/**
 * MEMBERSHIPS_SEED with three messages of user 1 in the group, the second deleted before the
 * upgrade that adds deleted_messages (sqlite 013, mysql 010): user 2 has read none of them.
 */
export const DELETIONS_SEED = `${MEMBERSHIPS_SEED}
  INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at, kind, deleted, msg_no) VALUES
    (2, 1, 1, 'one', NULL, 1, 'message', 0, 1), (2, 2, 1, '', NULL, 2, 'message', 1, 2), (2, 3, 1, 'three', NULL, 3, 'message', 0, 3),
    (2, 4, 1, '', NULL, 4, 'delete', 0, 3);
  UPDATE messages SET target_seq = 2 WHERE conversation_id = 2 AND seq = 4;
  UPDATE conversations SET last_seq = 4, msg_count = 3 WHERE id = 2;
  UPDATE members SET read_seq = 4 WHERE conversation_id = 2 AND user_id = 1;
  `;

/**
 * DELETIONS_SEED at the schema before mysql 011 (search by blocks), with a row of 006's per-message
 * table that no text holds ("zz" for seq 1): after the upgrade, search must not read it.
 */
export const BLOCKS_UPGRADE_SEED = `${DELETIONS_SEED}
  INSERT INTO deleted_messages (conversation_id, seq) VALUES (2, 2);
  INSERT INTO search_tokens (conversation_id, token, seq) VALUES (2, x'7a7a', 1), (2, x'6f6e', 1);
  `;

/** What both upgrade tests of deleted_messages check on the upgraded store. */
export async function checkDeletionsUpgrade(store: {
  conversationOf(userId: number, conversationId: number): Promise<{ unread: number } | null>;
  appendEvent(e: { conversationId: number; senderId: number; kind: 'delete'; target: number; text: string; clientMsgId: null; ts: number }): Promise<unknown>;
}, assert: { is(a: unknown, b: unknown, msg?: string): void }): Promise<void> {
  assert.is((await store.conversationOf(2, 2))?.unread, 2, 'the message deleted before the upgrade is not unread');
  await store.appendEvent({ conversationId: 2, senderId: 1, kind: 'delete', target: 3, text: '', clientMsgId: null, ts: 5 });
  assert.is((await store.conversationOf(2, 2))?.unread, 1, 'nor is one deleted after it');
}

/** What both upgrade tests of message_mentions (sqlite 011, mysql 009) check on MEMBERSHIPS_SEED upgraded. */
export async function checkMentionsUpgrade(store: {
  conversationsOf(userId: number): Promise<{ mentions: number }[]>;
  conversationOf(userId: number, conversationId: number): Promise<{ unread: number; mentions: number } | null>;
  appendMessages(batch: { conversationId: number; senderId: number; text: string; clientMsgId: null; ts: number; mentions: number[] }[]): Promise<{ ok: boolean }[]>;
  messagesAfter(conversationId: number, after: number, limit: number): Promise<{ mentions: string[] }[]>;
}, assert: { equal(a: unknown, b: unknown, msg?: string): void; ok(a: unknown, msg?: string): void }): Promise<void> {
  assert.equal((await store.conversationsOf(2)).map((c) => c.mentions), [0, 0]);
  const [r] = await store.appendMessages([{ conversationId: 2, senderId: 1, text: 'B?', clientMsgId: null, ts: 1, mentions: [2] }]);
  assert.ok(r!.ok);
  assert.equal((await store.messagesAfter(2, 0, 10)).map((m) => m.mentions), [['B']]);
  const view = await store.conversationOf(2, 2);
  assert.equal([view?.unread, view?.mentions], [1, 1]);
}
