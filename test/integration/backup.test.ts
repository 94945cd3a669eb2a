// test-timeout: 120
// `chat db backup` on a running SQLite node under write load: the copy restores, and holds every
// message acked before the backup began, in an unbroken sequence.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, tempDir } from '../helpers/server.ts';

const test = suite('chat db backup');

/** Sends one message after another until stopped; every ack is recorded, seq → text. */
function writer(from: ChatClient, to: string, tag: string) {
  const acked = new Map<number, string>();
  let stop = false;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const text = `${tag} ${i}`;
      const r = await from.request('send', { to, text });
      acked.set(r.seq, text);
    }
  })();
  return { acked, stop: () => ((stop = true), done) };
}

test('a backup taken under write load restores with every message acked before it began', async () => {
  const server = await startServer();
  const { dir } = tempDir();
  const file = join(dir, 'backup.db');
  try {
    const a = await connectAs(server, 'ava', 'ava-password');
    const b = await connectAs(server, 'bea', 'bea-password');
    await befriend(a, 'ava', b, 'bea');
    // A reader holding an old snapshot keeps checkpoints from moving what follows into the main
    // file, so the messages acked from here live only in the WAL: a plain copy of the file would
    // miss them, and the backup must read through the WAL.
    const pin = new Database(server.dbPath, { readonly: true });
    pin.exec('BEGIN');
    pin.prepare('SELECT COUNT(*) FROM users').get();
    const w1 = writer(a, 'bea', 'a→b');
    const w2 = writer(b, 'ava', 'b→a');
    // Bounded by the file's time limit: enough writes that the copy has real work.
    while (w1.acked.size + w2.acked.size < 300) await new Promise((r) => setTimeout(r, 20));
    const ackedBefore = new Map<number, string>();
    for (const [seq, text] of [...w1.acked, ...w2.acked]) ackedBefore.set(seq, text);
    const backup = await runCli(['db', 'backup', file, '--db', `sqlite:${server.dbPath}`, '--json']);
    const ackedDuring = w1.acked.size + w2.acked.size - ackedBefore.size;
    await w1.stop();
    await w2.stop();
    pin.exec('COMMIT');
    pin.close();
    assert.is(backup.code, 0, backup.stderr);
    const [out] = jsonLines(backup.stdout);
    assert.equal([out.type, out.file], ['backup', file]);
    assert.ok(out.bytes > 0 && out.version >= 6);
    assert.ok(ackedDuring > 0, 'the writers kept writing while the backup ran');
    a.destroy();
    b.destroy();

    // Restore (docs/operations.md): with the server stopped, the backup becomes the database file.
    await server.stop();
    const restoredPath = join(dir, 'restored.db');
    copyFileSync(file, restoredPath);
    const restored = await startServer({ dbPath: restoredPath });
    try {
      const reader = await connectAs(restored, 'ava', 'ava-password', false);
      const all: { seq: number; text: string }[] = [];
      const conversation = (await reader.request('conversations', {})).conversations[0]!.conversation;
      for (let after = 0; ;) {
        const page = await reader.request('sync', { conversation, after, limit: 500 });
        all.push(...page.messages);
        if (!page.more) break;
        after = page.messages.at(-1)!.seq;
      }
      assert.equal(all.map((m) => m.seq), all.map((_, i) => i + 1), 'an unbroken sequence from 1');
      const got = new Map(all.map((m) => [m.seq, m.text]));
      for (const [seq, text] of ackedBefore) assert.is(got.get(seq), text, `acked message ${seq} is in the backup`);
      const every = new Map([...w1.acked, ...w2.acked]);
      for (const [seq, text] of got) assert.is(every.get(seq), text, `message ${seq} in the backup is one that was acked`);
      reader.destroy();
    } finally {
      await restored.stop();
    }
  } finally {
    await server.stop();
  }
});

test('refusals: an existing file and a missing database; MySQL is pointed to mysqldump', async () => {
  const { dir } = tempDir();
  const taken = join(dir, 'taken.db');
  writeFileSync(taken, 'x');
  const server = await startServer();
  try {
    assert.is((await runCli(['db', 'backup', taken, '--db', `sqlite:${server.dbPath}`])).code, 2);
  } finally {
    await server.stop();
  }
  const missing = await runCli(['db', 'backup', join(dir, 'new.db'), '--db', `sqlite:${join(dir, 'none.db')}`]);
  assert.is(missing.code, 3);
  assert.not.ok(existsSync(join(dir, 'new.db')));
  const mysql = await runCli(['db', 'backup', join(dir, 'm.db'), '--db', 'mysql://root@127.0.0.1/x']);
  assert.is(mysql.code, 2);
  assert.match(mysql.stderr, /mysqldump/);
});

test.run();
