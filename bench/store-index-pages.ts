// `node --import tsx bench/store-index-pages.ts [--before DIR]`: what the SQLite Store writes per
// message in the W64 shape (batches of 320 one-to-one messages over 10 conversations, UUIDv7 client
// ids, the bench's 120-character texts), for this checkout, for it with the search index's writes
// switched off, and with --before for DIR (a checkout: `git archive REV | tar -x -C DIR` with
// node_modules linked in). It prints the process CPU per message, the WAL frames (pages) each
// commit wrote, and the bytes per message each table and index grew by. No checkpoint thread, so
// every frame stays in the WAL and is counted; the CPU is the main thread's work only. Each run
// is a child process of its own (a fresh module graph); rounds interleave the three, and the
// figures are medians.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { friendPairs } from './lib/store-pairs.ts';

const args = process.argv.slice(2);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const BATCHES = Number(process.env.BATCHES ?? 200);
const PER_BATCH = 320;
const CONVERSATIONS = 10;
const here = resolve(new URL('..', import.meta.url).pathname);

interface Figures { cpuUs: number; framesPerCommit: number; bytes: Record<string, number> }

async function child(root: string, noIndex: boolean): Promise<Figures> {
  const { SqliteStore } = await import(join(root, 'lib/db/sqlite-store.ts'));
  const { newClientMsgId } = await import(join(here, 'lib/client/client-msg-id.ts'));
  const dir = mkdtempSync(join(tmpdir(), 'chat-store-index-pages-'));
  const store = SqliteStore.open(join(dir, 'chat.db'));
  try {
    // No checkpoint thread (it starts with the first append): every frame stays in the WAL.
    (store as unknown as { checkpointPath: string | null }).checkpointPath = null;
    const db = (store as unknown as { db: { pragma(s: string): unknown; prepare(s: string): { all(): { name: string; bytes: number }[] } } }).db;
    db.pragma('wal_autocheckpoint = 0');
    if (noIndex) {
      const search = (store as unknown as { tx: { search?: { indexTexts(): void } } }).tx.search;
      if (search === undefined) throw new Error(`${root} has no search index to switch off`);
      search.indexTexts = () => {};
    }
    const convs = await friendPairs(store, CONVERSATIONS);
    // the bench's texts: "SENDER K SENT_US " padded with x to 120 characters (bench/worker.ts)
    let k = 0;
    const text = () => {
      const head = `${k % CONVERSATIONS} ${k++} ${Date.now() * 1000} `;
      return head + 'x'.repeat(120 - head.length);
    };
    const batch = () => store.appendMessages(Array.from({ length: PER_BATCH }, (_, j) => {
      const c = convs[j % CONVERSATIONS]!;
      return { conversationId: c.conv, senderId: c.a, friendId: c.b, text: text(), clientMsgId: newClientMsgId(), ts: Date.now() };
    }));
    for (let i = 0; i < 100; i++) await batch();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const sizes = () => new Map(db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all().map((r) => [r.name, r.bytes]));
    const before = sizes();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < BATCHES; i++) await batch();
    const cpu = process.cpuUsage(cpu0);
    const [wal] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    const bytes: Record<string, number> = {};
    for (const [name, n] of sizes()) if (n > (before.get(name) ?? 0)) bytes[name] = (n - (before.get(name) ?? 0)) / BATCHES / PER_BATCH;
    return { cpuUs: (cpu.user + cpu.system) / BATCHES / PER_BATCH, framesPerCommit: wal!.log / BATCHES, bytes };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = args.indexOf('--child');
if (childAt >= 0) {
  process.stdout.write(JSON.stringify(await child(resolve(args[childAt + 1]!), args.includes('--no-index'))));
} else {
  const beforeAt = args.indexOf('--before');
  const runs: { label: string; root: string; noIndex: boolean }[] = [
    { label: 'this checkout', root: here, noIndex: false },
    { label: 'this checkout, index writes off', root: here, noIndex: true },
  ];
  if (beforeAt >= 0) runs.push({ label: `--before ${args[beforeAt + 1]}`, root: resolve(args[beforeAt + 1]!), noIndex: false });
  const got: Figures[][] = runs.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, run] of runs.entries()) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', run.root, ...(run.noIndex ? ['--no-index'] : [])],
        { cwd: here, env: process.env });
      got[i]!.push(JSON.parse(out.toString()) as Figures);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${BATCHES} batches of ${PER_BATCH} over ${CONVERSATIONS} conversations, medians of ${ROUNDS} interleaved rounds\n`);
  console.log('| run | CPU µs/msg (each round) | WAL frames per commit | bytes/msg by table and index |\n|---|--:|--:|---|');
  for (const [i, run] of runs.entries()) {
    const f = got[i]!;
    const last = f[f.length - 1]!;
    const tables = Object.entries(last.bytes).map(([name, b]) => `${name} ${b.toFixed(1)}`).join(', ');
    console.log(`| ${run.label} | ${median(f.map((x) => x.cpuUs)).toFixed(2)} (${f.map((x) => x.cpuUs.toFixed(2)).join(', ')}) | ${median(f.map((x) => x.framesPerCommit)).toFixed(1)} | ${tables} |`);
  }
}
