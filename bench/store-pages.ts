// `node --import tsx bench/store-pages.ts`: the embedded Store alone, one batch after another,
// to show what a batch costs by how many conversations it spans. For each shape it prints the
// process CPU per message (main thread and checkpoint thread), WAL frames (pages) written per
// message, and how often a batch stalled (the checkpoint backstop). No server, no sockets.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newClientMsgId } from '../lib/client/client-msg-id.ts';
import { SqliteStore } from '../lib/db/sqlite-store.ts';

const BATCHES = Number(process.env.BATCHES ?? 3000);
const WARM = 300;
const text = 'x'.repeat(120);

interface Shape {
  label: string;
  perBatch: number;
  conversations: number;
  /** client_msg_ids: none, random (UUIDv4), or growing with time (UUIDv7, what our clients send) */
  clientIds: 'none' | 'v4' | 'v7';
  /** messages stored before measuring: an index's cost depends on how much it already holds */
  prefill?: number;
}
const SHAPES: Shape[] = [
  { label: '22 messages, 1 conversation', perBatch: 22, conversations: 1, clientIds: 'none' },
  { label: '22 messages, 22 conversations (closed-50)', perBatch: 22, conversations: 22, clientIds: 'none' },
  { label: '22 messages, 22 conversations, client_msg_id UUIDv4', perBatch: 22, conversations: 22, clientIds: 'v4' },
  { label: '22 messages, 22 conversations, client_msg_id UUIDv7', perBatch: 22, conversations: 22, clientIds: 'v7' },
  { label: 'the same, UUIDv4, after 300 000 stored messages', perBatch: 22, conversations: 22, clientIds: 'v4', prefill: 300_000 },
  { label: 'the same, UUIDv7, after 300 000 stored messages', perBatch: 22, conversations: 22, clientIds: 'v7', prefill: 300_000 },
  { label: '300 messages, 10 conversations (W64)', perBatch: 300, conversations: 10, clientIds: 'none' },
];
const clientId = { none: () => null, v4: () => randomUUID(), v7: () => newClientMsgId() };

async function measure(shape: Shape, pagesOnly: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-store-pages-'));
  const path = join(dir, 'chat.db');
  const store = SqliteStore.open(path);
  try {
    const convs: { conv: number; sender: number }[] = [];
    for (let i = 0; i < shape.conversations; i++) {
      const a = await store.createUser(`a${i}`, `a${i}`, 'x');
      const b = await store.createUser(`b${i}`, `b${i}`, 'x');
      await store.createFriendRequest(a.id, b.id);
      convs.push({ conv: await store.acceptFriendRequest(b.id, a.id), sender: a.id });
    }
    const inside = store as unknown as {
      db: { pragma(s: string, o?: { simple: boolean }): unknown };
      checkpointPath: string | null;
      checkpointer: { stop(): Promise<void> } | null;
    };
    const db = inside.db;
    const frameBytes = (db.pragma('page_size', { simple: true }) as number) + 24;
    let n = 0;
    for (let left = shape.prefill ?? 0; left > 0; left -= 1000) {
      await store.appendMessages(Array.from({ length: Math.min(left, 1000) }, () => {
        const c = convs[n++ % convs.length]!;
        return { conversationId: c.conv, senderId: c.sender, text, clientMsgId: clientId[shape.clientIds](), ts: Date.now() };
      }));
    }
    if (pagesOnly) {
      // Frames are counted with checkpoints off, so the WAL only grows.
      inside.checkpointPath = null;
      await inside.checkpointer?.stop();
      inside.checkpointer = null;
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('wal_autocheckpoint = 0');
    }
    const times: number[] = [];
    const run = async (batches: number, timed: boolean) => {
      for (let b = 0; b < batches; b++) {
        const batch = [];
        for (let i = 0; i < shape.perBatch; i++, n++) {
          const c = convs[n % convs.length]!;
          batch.push({ conversationId: c.conv, senderId: c.sender, text, clientMsgId: clientId[shape.clientIds](), ts: Date.now() });
        }
        const t = performance.now();
        await store.appendMessages(batch);
        if (timed) times.push(performance.now() - t);
        if (b % 20 === 0) await new Promise((r) => setImmediate(r));
      }
    };
    await run(WARM, false);
    const wal0 = statSync(`${path}-wal`).size;
    const cpu0 = process.cpuUsage();
    await run(BATCHES, true);
    const cpu = process.cpuUsage(cpu0);
    const messages = BATCHES * shape.perBatch;
    times.sort((x, y) => x - y);
    return {
      cpuUs: (cpu.user + cpu.system) / messages,
      sysUs: cpu.system / messages,
      frames: (statSync(`${path}-wal`).size - wal0) / frameBytes / messages,
      walKiB: (statSync(`${path}-wal`).size - wal0) / 1024 / messages,
      pageSize: frameBytes - 24,
      p99: times[Math.floor(0.99 * (times.length - 1))]!,
      max: times[times.length - 1]!,
      stalls: times.filter((t) => t > 5).length / times.length,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${BATCHES} batches per shape after ${WARM} warm-up batches; CPU is the whole process (checkpoint thread included)\n`);
console.log('| batch shape | CPU µs/msg (of it kernel) | WAL pages/msg (page size) | WAL KiB/msg | batch p99 ms | max ms | batches > 5 ms |');
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const shape of SHAPES) {
  const pages = await measure(shape, true);
  const cost = await measure(shape, false);
  console.log(`| ${shape.label} | ${cost.cpuUs.toFixed(1)} (${cost.sysUs.toFixed(1)}) | ${pages.frames.toFixed(2)} (${pages.pageSize}) | ${pages.walKiB.toFixed(2)} | ${cost.p99.toFixed(2)} | ${cost.max.toFixed(1)} | ${(cost.stalls * 100).toFixed(2)} % |`);
}
