// `node --import tsx bench/store-statements.ts [--before DIR]`: where the Store's time per message
// goes, statement by statement, in the W64 shape (batches of 320 one-to-one messages over 10
// conversations, UUIDv7 client ids, friend checks), for this checkout and, with --before, for DIR
// (a checkout: `git archive REV | tar -x -C DIR` with node_modules linked in). Every
// better-sqlite3 run/get/all is timed by its SQL text; it prints µs per message of each
// statement, and the process's CPU per message. Each checkout runs in a child process of its own,
// so both get a fresh module graph. The timing wrapper costs time of its own: compare the rows,
// not the totals with other benches.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { friendPairs } from './lib/store-pairs.ts';

const args = process.argv.slice(2);
const BATCHES = Number(process.env.BATCHES ?? 400);
const PER_BATCH = 320;
const CONVERSATIONS = 10;

async function measure(root: string): Promise<void> {
  const require = createRequire(join(root, 'package.json'));
  const Database = require('better-sqlite3');
  const spent = new Map<string, { runs: number; ns: bigint }>();
  // the key of each statement, made once: making it per run would be timed with the statement
  const keys = new WeakMap<object, string>();
  const statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
  for (const method of ['run', 'get', 'all']) {
    const original = statement[method];
    statement[method] = function timed(this: { source: string }, ...params: unknown[]) {
      let key = keys.get(this);
      if (key === undefined) keys.set(this, (key = this.source.replace(/\s+/g, ' ').trim().slice(0, 100)));
      const t = process.hrtime.bigint();
      try {
        return original.apply(this, params);
      } finally {
        const ns = process.hrtime.bigint() - t;
        const e = spent.get(key) ?? { runs: 0, ns: 0n };
        e.runs++;
        e.ns += ns;
        spent.set(key, e);
      }
    };
  }
  const { SqliteStore } = await import(join(root, 'lib/db/sqlite-store.ts'));
  const { newClientMsgId } = await import(join(here, 'lib/client/client-msg-id.ts'));
  const dir = mkdtempSync(join(tmpdir(), 'chat-store-statements-'));
  const store = SqliteStore.open(join(dir, 'chat.db'));
  try {
    const convs = await friendPairs(store, CONVERSATIONS);
    const text = 'x'.repeat(120);
    const run = async (batches: number) => {
      for (let k = 0; k < batches; k++) {
        const batch = [];
        for (let j = 0; j < PER_BATCH; j++) {
          const c = convs[j % CONVERSATIONS]!;
          batch.push({ conversationId: c.conv, senderId: c.a, friendId: c.b, text, clientMsgId: newClientMsgId(), ts: Date.now() });
        }
        await store.appendMessages(batch);
      }
    };
    await run(30);
    spent.clear();
    const cpu0 = process.cpuUsage();
    await run(BATCHES);
    const cpu = process.cpuUsage(cpu0);
    const messages = BATCHES * PER_BATCH;
    console.log(`${root}: ${((cpu.user + cpu.system) / messages).toFixed(2)} µs CPU per message (with the timing wrapper)`);
    console.log('| µs/msg | runs | statement |\n|--:|--:|---|');
    for (const [sql, e] of [...spent].sort((x, y) => Number(y[1].ns - x[1].ns)).slice(0, 12)) {
      console.log(`| ${(Number(e.ns) / 1000 / messages).toFixed(3)} | ${e.runs} | \`${sql}\` |`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const here = resolve(new URL('..', import.meta.url).pathname);
const childAt = args.indexOf('--child');
if (childAt >= 0) {
  await measure(resolve(args[childAt + 1]!));
} else {
  const beforeAt = args.indexOf('--before');
  const roots = beforeAt >= 0 ? [here, resolve(args[beforeAt + 1]!)] : [here];
  for (const root of roots) {
    process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', root], { cwd: here, env: process.env }));
    console.log();
  }
}
