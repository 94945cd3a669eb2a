// `node --import tsx bench/mysql-batch.ts [--before DIR] [--moves-only]`: the MySQL Store alone
// at the closed-50 shape of realistic traffic: batches of PER_BATCH one-to-one messages over as
// many conversations, each with a UUIDv7 client_msg_id, and in the same batch each receiver's
// ack of its conversation's previous message (as one node sees them). Prints this process's and
// mariadbd's CPU µs per message, medians of REPS runs, each checkout in turn within a repetition.
// --moves-only: batches of acks alone (what a cluster's receiving node writes).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { friendPairs } from './lib/store-pairs.ts';

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const before = beforeAt >= 0 ? resolve(args[beforeAt + 1]!) : null;
const movesOnly = args.includes('--moves-only');
const BATCHES = Number(process.env.BATCHES ?? 400);
const WARM = 40;
const PER_BATCH = Number(process.env.PER_BATCH ?? 25);
const REPS = Number(process.env.REPS ?? 3);
const TEXT = 'x'.repeat(120);

function mariadbCpuTicks(): number {
  const pid = execFileSync('pidof', ['mariadbd']).toString().trim().split(/\s+/)[0]!;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, clock ticks (100/s)
}

async function measure(root: string): Promise<{ cpuUs: number; dbUs: number }> {
  const { MysqlStore } = await import(join(root, 'lib/db/mysql-store.ts'));
  const { resolveDbPoolConfig } = await import(join(root, 'lib/config.ts'));
  const { newClientMsgId } = await import(join(root, 'lib/client/client-msg-id.ts'));
  const base = process.env.CHAT_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306';
  const name = `chat_batch_bench_${process.pid}_${Date.now()}`;
  const store = await MysqlStore.open(`${base}/${name}`, resolveDbPoolConfig({ min: 1, max: 4, logIntervalMs: 0 }));
  try {
    const pairs = await friendPairs(store, PER_BATCH);
    let seq = 0;
    const batch = async () => {
      const messages = movesOnly && seq > 0 ? [] : pairs.map((p) => ({ conversationId: p.conv, senderId: p.a, friendId: p.b, text: TEXT, clientMsgId: newClientMsgId(), ts: Date.now() }));
      const moves = seq === 0 ? [] : pairs.map((p) => ({ conversationId: p.conv, userId: p.b, kind: 'delivered', seq: movesOnly ? 1 : seq }));
      const r = await store.appendBatch(messages, moves);
      for (const x of [...r.messages, ...r.moves]) if (!x.ok) throw x.error;
      if (messages.length > 0) seq++;
    };
    for (let i = 0; i < WARM; i++) await batch();
    const db0 = mariadbCpuTicks();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < BATCHES; i++) await batch();
    const cpu = process.cpuUsage(cpu0);
    const n = BATCHES * PER_BATCH;
    return { cpuUs: (cpu.user + cpu.system) / n, dbUs: ((mariadbCpuTicks() - db0) * 10_000) / n };
  } finally {
    await store.close();
    const mysql = (await import('mysql2/promise')).default;
    const conn = await mysql.createConnection({ uri: base });
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await conn.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const roots = [resolve(import.meta.dirname, '..'), ...(before ? [before] : [])];
const runs: { cpuUs: number; dbUs: number }[][] = roots.map(() => []);
for (let i = 0; i < REPS; i++) for (const [j, root] of roots.entries()) runs[j]!.push(await measure(root));
for (const [j, root] of roots.entries()) {
  const r = runs[j]!;
  console.log(`${root}: store process ${median(r.map((x) => x.cpuUs)).toFixed(1)} µs/msg, mariadbd ${median(r.map((x) => x.dbUs)).toFixed(1)} µs/msg` +
    `  (runs: ${r.map((x) => `${x.cpuUs.toFixed(0)}/${x.dbUs.toFixed(0)}`).join(', ')})`);
}
