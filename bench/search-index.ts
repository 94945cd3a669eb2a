// `node --import tsx bench/search-index.ts [--before DIR] [--mysql]`: what the search index costs
// per stored message, at the Store (no server, no sockets). Closed-loop batches of 22 one-to-one
// messages over 22 conversations (the closed-50 shape; PER_BATCH=N for N over N), for three
// texts: the bench's 120 × "x" (two distinct tokens), a 60-character English sentence and a
// 30-character Chinese one. It prints CPU µs per message (this process; with --mysql also
// mariadbd's) and each text's distinct tokens (both stores index by blocks, so a message writes
// fewer rows than that), for this checkout and, with --before, for DIR (a checkout without the
// index: `git archive REV | tar -x -C DIR` with node_modules linked in), medians of 3 runs each.
// `--search` instead: how long a search takes over 192 000 messages stored in batches of 64 over
// 10 conversations (so SQLite's blocks hold 10 conversations each), for a searcher in one of
// them, here and in DIR (which must have search), medians of 3; with --mysql on MySQL too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mysqlServerCpuSeconds, scratchMysqlName } from './lib/mysql.ts';

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const before = beforeAt >= 0 ? resolve(args[beforeAt + 1]!) : null;
const withMysql = args.includes('--mysql');
const BATCHES = Number(process.env.BATCHES ?? 600);
const MYSQL_BATCHES = Number(process.env.MYSQL_BATCHES ?? 150);
const WARM = 50;
const PER_BATCH = Number(process.env.PER_BATCH ?? 22);
const REPS = Number(process.env.REPS ?? 3);

const TEXTS: Record<string, string> = {
  '120 × x (the bench text)': 'x'.repeat(120),
  'English, 60 chars': 'see you at the standup tomorrow, bring the Q3 report #1234!',
  'Chinese, 30 chars': '明天上午十点开会，讨论第三季度的数据报告，请大家准时参加会议。',
};

interface AnyStore {
  createUser(name: string, key: string, hash: string): Promise<{ id: number }>;
  createFriendRequest(a: number, b: number): Promise<void>;
  acceptFriendRequest(b: number, a: number): Promise<number>;
  appendMessages(batch: unknown[]): Promise<unknown[]>;
  searchMessages(req: { userId: number; plan: unknown; limit: number }): Promise<unknown>;
  close(): Promise<void>;
}

/** A fresh, empty store of `root`'s code (SQLite: a temporary file; MySQL: a scratch database), and how to remove it. */
async function openStore(root: string, kind: 'sqlite' | 'mysql'): Promise<{ store: AnyStore; cleanup: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const { SqliteStore } = await import(join(root, 'lib/db/sqlite-store.ts'));
    const dir = mkdtempSync(join(tmpdir(), 'chat-search-bench-'));
    return { store: SqliteStore.open(join(dir, 'chat.db')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { MysqlStore } = await import(join(root, 'lib/db/mysql-store.ts'));
  const { resolveDbPoolConfig } = await import(join(root, 'lib/config.ts'));
  const db = await scratchMysqlName();
  const store = await MysqlStore.open(db.url, resolveDbPoolConfig({ min: 1, max: 4, logIntervalMs: 0 }));
  return { store, cleanup: () => db.drop() };
}

async function measure(root: string, kind: 'sqlite' | 'mysql', text: string): Promise<{ cpuUs: number; dbUs: number }> {
  const { store, cleanup } = await openStore(root, kind);
  try {
    const convs: { conv: number; sender: number }[] = [];
    for (let i = 0; i < PER_BATCH; i++) {
      const a = await store.createUser(`a${i}`, `a${i}`, 'x');
      const b = await store.createUser(`b${i}`, `b${i}`, 'x');
      await store.createFriendRequest(a.id, b.id);
      convs.push({ conv: await store.acceptFriendRequest(b.id, a.id), sender: a.id });
    }
    const run = async (batches: number) => {
      for (let b = 0; b < batches; b++) {
        await store.appendMessages(convs.map((c) => ({ conversationId: c.conv, senderId: c.sender, text, clientMsgId: null, ts: Date.now() })));
      }
    };
    await run(WARM);
    const batches = kind === 'sqlite' ? BATCHES : MYSQL_BATCHES;
    const db0 = mysqlServerCpuSeconds();
    const cpu0 = process.cpuUsage();
    await run(batches);
    const cpu = process.cpuUsage(cpu0);
    const messages = batches * PER_BATCH;
    return { cpuUs: (cpu.user + cpu.system) / messages, dbUs: kind === 'mysql' ? ((mysqlServerCpuSeconds() - db0) * 1e6) / messages : 0 };
  } finally {
    await store.close();
    await cleanup();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Both checkouts, run after run in turn, so that a busy moment of a shared box hits both alike. */
async function mediansOf(roots: string[], kind: 'sqlite' | 'mysql', text: string) {
  const runs: { cpuUs: number; dbUs: number }[][] = roots.map(() => []);
  for (let i = 0; i < REPS; i++) for (const [j, root] of roots.entries()) runs[j]!.push(await measure(root, kind, text));
  return runs.map((r) => ({ cpuUs: median(r.map((x) => x.cpuUs)), dbUs: median(r.map((x) => x.dbUs)) }));
}

const here = resolve(new URL('..', import.meta.url).pathname);

/** Milliseconds per query (median of 3) of each query, over one store of SEARCH_BATCHES × 64 messages. */
async function searchTimes(root: string, kind: 'sqlite' | 'mysql', queries: readonly string[]): Promise<number[]> {
  const { planSearch } = await import(join(root, 'lib/db/search-tokens.ts'));
  const { store, cleanup } = await openStore(root, kind);
  try {
    const users: { id: number }[] = [];
    for (let i = 0; i < 20; i++) users.push(await store.createUser(`u${i}`, `u${i}`, 'x'));
    const convs: number[] = [];
    for (let i = 0; i < 10; i++) {
      await store.createFriendRequest(users[2 * i]!.id, users[2 * i + 1]!.id);
      convs.push(await store.acceptFriendRequest(users[2 * i + 1]!.id, users[2 * i]!.id));
    }
    const words = ['alpha', 'beta', 'gamma', 'delta', '会议', '数据', 'hello', 'world', 'report', 'meeting', 'x'];
    let n = 0;
    for (let b = 0; b < Number(process.env.SEARCH_BATCHES ?? 3000); b++) {
      await store.appendMessages(Array.from({ length: 64 }, (_, k) => ({ conversationId: convs[k % 10]!, senderId: users[2 * (k % 10)]!.id,
        text: `${words[(b * 7 + k) % 11]} ${words[(b + k * 3) % 11]} msg${n++}`, clientMsgId: null, ts: n })));
    }
    const times: number[] = [];
    for (const q of queries) {
      const runs: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t = performance.now();
        await store.searchMessages({ userId: users[0]!.id, plan: planSearch(q)!, limit: 20 });
        runs.push(performance.now() - t);
      }
      times.push(median(runs));
    }
    return times;
  } finally {
    await store.close();
    await cleanup();
  }
}

if (args.includes('--search')) {
  const queries = ['msg12345', 'alpha', '会议', 'x', 'msg1'];
  console.log('| store | query | ms, this checkout | before |\n|---|---|--:|--:|');
  for (const kind of withMysql ? ['sqlite', 'mysql'] as const : ['sqlite'] as const) {
    const now = await searchTimes(here, kind, queries);
    const then = before ? await searchTimes(before, kind, queries) : null;
    queries.forEach((q, i) => console.log(`| ${kind} | ${q} | ${now[i]!.toFixed(1)} | ${then ? then[i]!.toFixed(1) : ''} |`));
  }
  process.exit(0);
}
const { indexTokens } = await import(join(here, 'lib/db/search-tokens.ts'));
const kinds: ('sqlite' | 'mysql')[] = withMysql ? ['sqlite', 'mysql'] : ['sqlite'];
console.log(`${BATCHES} (SQLite) / ${MYSQL_BATCHES} (MySQL) batches of ${PER_BATCH} after ${WARM} warm-up batches, medians of ${REPS}\n`);
console.log('| store | text | distinct tokens | CPU µs/msg, this checkout | before | difference |');
console.log('|---|---|--:|--:|--:|--:|');
for (const kind of kinds) {
  for (const [label, text] of Object.entries(TEXTS)) {
    const [now, then = null] = await mediansOf(before ? [here, before] : [here], kind, text);
    const total = (r: { cpuUs: number; dbUs: number }) => r.cpuUs + r.dbUs;
    const show = (r: { cpuUs: number; dbUs: number }) => (kind === 'mysql' ? `${total(r).toFixed(1)} (node ${r.cpuUs.toFixed(1)})` : r.cpuUs.toFixed(1));
    const pct = then ? `+${(((total(now) - total(then)) / total(then)) * 100).toFixed(0)} %` : '';
    console.log(`| ${kind} | ${label} | ${indexTokens(text).length} | ${show(now)} | ${then ? show(then) : ''} | ${pct} |`);
  }
}
