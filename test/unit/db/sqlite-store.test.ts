import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../../lib/db/sqlite-store.ts';
import { storeContract } from '../../contract/store.contract.ts';

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
