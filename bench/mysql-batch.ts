// `node --import tsx bench/mysql-batch.ts [--before DIR] [--moves-only]`: the MySQL Store alone
// at the closed-50 shape of realistic traffic: batches of PER_BATCH one-to-one messages over as
// many conversations, each with a UUIDv7 client_msg_id, and in the same batch each receiver's
// ack of its conversation's previous message (as one node sees them). Prints this process's and
// mariadbd's CPU µs per message, medians of REPS runs, each checkout in turn within a repetition.
// --moves-only: batches of acks alone (what a cluster's receiving node writes): every
// conversation first gets as many messages as there will be batches (not measured), then each
// batch acks the next seq of every conversation, so that every ack moves its cursor.
import { join, resolve } from 'node:path';
import { friendPairs } from './lib/store-pairs.ts';
import { mysqlServerCpuSeconds, scratchMysqlName } from './lib/mysql.ts';

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const before = beforeAt >= 0 ? resolve(args[beforeAt + 1]!) : null;
const movesOnly = args.includes('--moves-only');
const BATCHES = Number(process.env.BATCHES ?? 400);
const WARM = 40;
const PER_BATCH = Number(process.env.PER_BATCH ?? 25);
const REPS = Number(process.env.REPS ?? 3);
const TEXT = 'x'.repeat(120);

async function measure(root: string): Promise<{ cpuUs: number; dbUs: number }> {
  const { MysqlStore } = await import(join(root, 'lib/db/mysql-store.ts'));
  const { resolveDbPoolConfig } = await import(join(root, 'lib/config.ts'));
  const { newClientMsgId } = await import(join(root, 'lib/client/client-msg-id.ts'));
  const db = await scratchMysqlName();
  const store = await MysqlStore.open(db.url, resolveDbPoolConfig({ min: 1, max: 4, logIntervalMs: 0 }));
  try {
    const pairs = await friendPairs(store, PER_BATCH);
    const check = (r: { messages: { ok: boolean; error?: unknown }[]; moves: { ok: boolean; error?: unknown }[] }) => {
      for (const x of [...r.messages, ...r.moves]) if (!x.ok) throw x.error;
    };
    const messages = () => pairs.map((p) => ({ conversationId: p.conv, senderId: p.a, friendId: p.b, text: TEXT, clientMsgId: newClientMsgId(), ts: Date.now() }));
    const acks = (seq: number) => pairs.map((p) => ({ conversationId: p.conv, userId: p.b, kind: 'delivered', seq }));
    let seq = 0;
    if (movesOnly) for (let i = 0; i < WARM + BATCHES; i++) check(await store.appendBatch(messages(), []));
    // with messages: each batch acks the previous batch's message, as the receivers' tick does
    const batch = async () => {
      if (movesOnly) {
        check(await store.appendBatch([], acks(++seq)));
      } else {
        check(await store.appendBatch(messages(), seq === 0 ? [] : acks(seq)));
        seq++;
      }
    };
    for (let i = 0; i < WARM; i++) await batch();
    const db0 = mysqlServerCpuSeconds();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < BATCHES; i++) await batch();
    const cpu = process.cpuUsage(cpu0);
    const n = BATCHES * PER_BATCH;
    return { cpuUs: (cpu.user + cpu.system) / n, dbUs: ((mysqlServerCpuSeconds() - db0) * 1e6) / n };
  } finally {
    await store.close();
    await db.drop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const roots = [resolve(import.meta.dirname, '..'), ...(before ? [before] : [])];
const runs: { cpuUs: number; dbUs: number }[][] = roots.map(() => []);
for (let i = 0; i < REPS; i++) for (const [j, root] of roots.entries()) runs[j]!.push(await measure(root));
for (const [j, root] of roots.entries()) {
  const r = runs[j]!;
  const unit = movesOnly ? 'µs/ack' : 'µs/msg';
  console.log(`${root}: store process ${median(r.map((x) => x.cpuUs)).toFixed(1)} ${unit}, mariadbd ${median(r.map((x) => x.dbUs)).toFixed(1)} ${unit}` +
    `  (runs: ${r.map((x) => `${x.cpuUs.toFixed(0)}/${x.dbUs.toFixed(0)}`).join(', ')})`);
}
