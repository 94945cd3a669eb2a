// test-timeout: 120
// The checkpoint thread of the embedded store: while one writer keeps committing, the thread
// copies the WAL back into the database, the WAL file stays bounded by the backstop, and nothing
// committed is lost; and when the thread fails, it says so. Real SQLite files in a temp
// directory; no timing is asserted.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKSTOP_CHECKPOINT_PAGES, Checkpointer } from '../../../lib/db/sqlite-checkpointer.ts';
import { NEW_FILE_PAGE_SIZE, SqliteStore } from '../../../lib/db/sqlite-store.ts';
import { reporter } from '../../../lib/report.ts';
import { fakeLog } from '../../helpers/fake-log.ts';
import { tempDir, waitFor } from '../../helpers/server.ts';

/** A WAL frame is one page plus its 24-byte header; the store makes new files with this page size. */
const FRAME_BYTES = NEW_FILE_PAGE_SIZE + 24;

async function friendsStore(path: string, pairs: number) {
  const store = SqliteStore.open(path);
  const convs: { conv: number; sender: number }[] = [];
  for (let i = 0; i < pairs; i++) {
    const a = await store.createUser(`a${i}`, `a${i}`, 'x');
    const b = await store.createUser(`b${i}`, `b${i}`, 'x');
    await store.createFriendRequest(a.id, b.id);
    convs.push({ conv: await store.acceptFriendRequest(b.id, a.id), sender: a.id });
  }
  return { store, convs };
}

test('the thread copies committed pages into the database file long before the backstop would', async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'chat.db');
  const { store, convs } = await friendsStore(path, 22);
  const reader = new Database(path, { readonly: true });
  const pageSize = reader.pragma('page_size', { simple: true });
  reader.close();
  assert.is(pageSize, NEW_FILE_PAGE_SIZE, 'the frame size below assumes the page size of a new file');
  const text = 'x'.repeat(120);
  const before = statSync(path).size;
  const batches = 100; // a few thousand WAL frames: well under the backstop, so only the thread checkpoints
  for (let b = 0; b < batches; b++) {
    await store.appendMessages(convs.map((c) => ({ conversationId: c.conv, senderId: c.sender, text, clientMsgId: null, ts: Date.now() })));
  }
  const frames = (statSync(`${path}-wal`).size - 32) / FRAME_BYTES;
  assert.ok(frames < BACKSTOP_CHECKPOINT_PAGES, `${frames} frames: the backstop must not be what copies them`);
  const payload = batches * convs.length * text.length;
  const deadline = Date.now() + 10_000;
  while (statSync(path).size - before < payload && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(statSync(path).size - before >= payload, `database file grew by ${statSync(path).size - before} bytes for ${payload} bytes of text`);
  await store.close();
  tmp.remove();
});

test('under a steady writer the thread backfills the WAL, which stays under the backstop, and every message survives', async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'chat.db');
  const { store, convs } = await friendsStore(path, 22);
  const text = 'x'.repeat(120);
  const batches = 2500; // ~1.9 1-KiB pages per message here: several times the backstop's worth of WAL
  let maxWal = 0;
  for (let b = 0; b < batches; b++) {
    const batch = convs.map((c) => ({ conversationId: c.conv, senderId: c.sender, text, clientMsgId: null, ts: Date.now() }));
    const results = await store.appendMessages(batch);
    assert.ok(results.every((r) => r.ok));
    if (b % 50 === 0) {
      maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
      await new Promise((r) => setImmediate(r)); // as the server does between ticks
    }
  }
  // The WAL is reused from the top after a complete checkpoint. It can pass the backstop by what
  // the writer adds while the thread is in the middle of a pass (the writer's checkpoint then
  // finds the lock taken and tries again at its next commit); on a loaded CI machine that was
  // 5 800 4-KiB pages over. Without the backstop this run grew the WAL to ~100 000 pages.
  assert.ok(maxWal <= 2 * BACKSTOP_CHECKPOINT_PAGES * FRAME_BYTES, `WAL grew to ${maxWal} bytes`);

  await store.close();
  const reopened = SqliteStore.open(path);
  for (const c of convs) {
    const last = await reopened.messagesBefore(c.conv, Number.MAX_SAFE_INTEGER, 1);
    assert.is(last[0]?.seq, batches, 'every committed message is there after close and reopen');
  }
  await reopened.close();
  assert.not.ok(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0, 'close checkpoints and removes the WAL');
  tmp.remove();
});

/** A checkpointer reporting through reporter() (what `chat serve` wires) on a clock that stands still. */
function reported(path: string) {
  const { log, lines } = fakeLog();
  const counted: Record<string, unknown>[] = [];
  const report = reporter(log, 'warn', 'checkpoint failed', { now: () => 0, count: (f) => void counted.push(f) });
  return { checkpointer: Checkpointer.start(path, report), lines, counted };
}

/** stop() settles, or says it hung (it did, for a thread that had died before it was asked). */
const stopped = (c: Checkpointer) =>
  Promise.race([c.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 10_000).unref())]);

test('a failed pass is counted every time and logged once per interval, and the thread goes on trying', async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'not-a-database');
  writeFileSync(path, 'these bytes are not a SQLite header, so every pass fails '.repeat(4));
  const { checkpointer, lines, counted } = reported(path);
  assert.ok(checkpointer);
  await waitFor(() => counted.length >= 3, 20_000, 'three failed passes');
  assert.equal(counted[0], { error: 'file is not a database', fatal: false });
  assert.is(lines.length, 1, 'one line for the interval');
  assert.is(lines[0]!.msg, 'checkpoint failed');
  assert.is(await stopped(checkpointer!), 'stopped');
  tmp.remove();
});

test('a thread that cannot open its database is reported as fatal, and stop() still returns', async () => {
  const tmp = tempDir();
  const { checkpointer, lines, counted } = reported(join(tmp.dir, 'missing.db'));
  assert.ok(checkpointer);
  await waitFor(() => counted.length >= 1, 20_000, 'the thread reported its death');
  assert.is(counted[0]!.fatal, true);
  assert.match(String(counted[0]!.error), /SQLITE_CANTOPEN/);
  assert.is(lines.length, 1);
  assert.is(await stopped(checkpointer!), 'stopped');
  tmp.remove();
});

test.run();
