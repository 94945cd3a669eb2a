// test-timeout: 150
// `chat db backup` copies a live SQLite database while a client keeps sending, and the copy,
// put in place by `chat db restore`, serves every message that was acked before the backup
// began, with no gap in the sequence. Then the refusals, each with its exit code.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const test = suite('db backup and restore');
const { dir } = tempDir('chat-backup-');
const live = join(dir, 'live.db');
let server: RunningServer;
let alice: ChatClient;
let bob: ChatClient;

test.before(async () => {
  server = await startServer({ dbPath: live });
  alice = await connectAs(server, 'alice');
  bob = await connectAs(server, 'bob');
  await befriend(alice, 'alice', bob, 'bob');
});
test.after(async () => {
  alice?.destroy();
  bob?.destroy();
  await server?.stop();
});

test('a backup taken under write load holds every message acked before it began', async () => {
  // A read transaction held open from before the first send pins the checkpointer: nothing sent
  // after it reaches the main file until it ends, so the messages live only in the WAL, and a
  // backup that copied the file instead of reading the database would miss them.
  const pin = new Database(live, { readonly: true });
  pin.exec('BEGIN');
  pin.prepare('SELECT COUNT(*) FROM messages').get();
  const acked = new Map<number, string>();
  let stop = false;
  let n = 0;
  const writer = (async () => {
    while (!stop) {
      // 20 in flight at a time, as a pipelining client sends them
      const batch = Array.from({ length: 20 }, () => `m${++n}`);
      const results = await Promise.all(batch.map((text) => alice.request('send', { to: 'bob', text, client_msg_id: `id-${text}` })));
      results.forEach((r, i) => acked.set(r.seq, batch[i]!));
    }
  })();
  while (acked.size < 400) await new Promise((r) => setTimeout(r, 20));
  const before = new Map(acked);
  const backupFile = join(dir, 'backup.db');
  const backup = await runCli(['db', 'backup', backupFile, '--db', `sqlite:${live}`, '--json'], { timeoutMs: 60_000 });
  const duringOrAfter = acked.size - before.size;
  stop = true;
  await writer;
  pin.exec('COMMIT');
  pin.close();
  assert.is(backup.code, 0, backup.stderr);
  const [line] = jsonLines(backup.stdout);
  assert.is(line.type, 'backup');
  assert.is(line.file, backupFile);
  assert.ok(line.version >= 4 && line.pages > 0, JSON.stringify(line));
  console.log(`REPORT backup: ${before.size} messages acked before it began, ${duringOrAfter} more while it ran, ${acked.size} in all`);

  const restoredPath = join(dir, 'restored.db');
  const restore = await runCli(['db', 'restore', backupFile, '--db', `sqlite:${restoredPath}`]);
  assert.is(restore.code, 0, restore.stderr);
  assert.match(restore.stdout, /^restored .*restored\.db \(schema version \d+, \d+ pages\)\n$/);
  const restored = await startServer({ dbPath: restoredPath });
  try {
    const reader = await connectAs(restored, 'bob', undefined, false);
    try {
      const seqs: number[] = [];
      const texts = new Map<number, string>();
      let beforeSeq: number | undefined;
      for (let page = 0; page < 1000; page++) {
        const h = await reader.request('history', { with: 'alice', limit: 500, ...(beforeSeq === undefined ? {} : { before: beforeSeq }) });
        if (h.messages.length === 0) break;
        for (const m of h.messages) texts.set(m.seq, m.text);
        seqs.unshift(...h.messages.map((m) => m.seq));
        beforeSeq = h.messages[0]!.seq;
        if (beforeSeq === 1) break;
      }
      assert.equal(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'seq 1..N with no gap');
      for (const [seq, text] of before) assert.is(texts.get(seq), text, `acked seq ${seq} is in the backup`);
      for (const [seq, text] of texts) assert.is(acked.get(seq), text, `seq ${seq} in the backup is a message that was sent`);
    } finally {
      reader.destroy();
    }
  } finally {
    await restored.stop();
  }
});

test('refusals: an existing backup file, MySQL, a missing database, restore over a database, a file that is no backup', async () => {
  const taken = join(dir, 'taken.db');
  writeFileSync(taken, 'x');
  const exists = await runCli(['db', 'backup', taken, '--db', `sqlite:${live}`]);
  assert.is(exists.code, 2);
  assert.match(exists.stderr, /^CHAT_ERR_CONFIG: .*exists/);
  const mysql = await runCli(['db', 'backup', join(dir, 'm.db'), '--db', 'mysql://root@127.0.0.1:1/x']);
  assert.is(mysql.code, 2);
  assert.match(mysql.stderr, /mariadb-dump --single-transaction/);
  const missing = await runCli(['db', 'backup', join(dir, 'none.db'), '--db', `sqlite:${join(dir, 'nope', 'absent.db')}`]);
  assert.is(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /^CHAT_ERR_DB_UNAVAILABLE: /);
  const noFile = await runCli(['db', 'backup', '--db', `sqlite:${live}`]);
  assert.is(noFile.code, 2);

  const good = join(dir, 'good.db');
  assert.is((await runCli(['db', 'backup', good, '--db', `sqlite:${live}`])).code, 0);
  const over = await runCli(['db', 'restore', good, '--db', `sqlite:${live}`]);
  assert.is(over.code, 2);
  assert.match(over.stderr, /^CHAT_ERR_CONFIG: .*--force/);
  const garbage = join(dir, 'garbage.db');
  writeFileSync(garbage, 'this is not a database'.repeat(100));
  const target = join(dir, 'target.db');
  const bad = await runCli(['db', 'restore', garbage, '--db', `sqlite:${target}`]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^CHAT_ERR_BAD_BACKUP: /);
  // --force replaces a stopped database, and nothing stale is left beside it
  const forced = join(dir, 'forced.db');
  writeFileSync(forced, '');
  writeFileSync(`${forced}-wal`, 'stale');
  const ok = await runCli(['db', 'restore', good, '--db', `sqlite:${forced}`, '--force', '--json']);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(jsonLines(ok.stdout)[0].type, 'restore');
  const s = await startServer({ dbPath: forced });
  try {
    const c = await connectAs(s, 'alice', undefined, false);
    assert.ok((await c.request('history', { with: 'bob', limit: 1 })).messages.length === 1);
    c.destroy();
  } finally {
    await s.stop();
  }
});

test.run();
