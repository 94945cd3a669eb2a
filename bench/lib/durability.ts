// What a stricter fsync policy costs, measured at the Store: the same appendMessages batches on
// the default (WAL, synchronous=NORMAL: an ack means committed to the WAL, fsynced at checkpoints)
// and with synchronous=FULL (the WAL is fsynced at every commit, so an ack also survives a power
// loss). The server has no flag for FULL, so this reaches into the store's connection; it is a
// measurement, not a configuration the server offers.
import { nameKey } from '../../lib/protocol/names.ts';
import { SqliteStore } from '../../lib/db/sqlite-store.ts';

export interface DurabilityRow {
  synchronous: 'NORMAL' | 'FULL';
  batch: number;
  usPerBatch: number;
  cpuUsPerMsg: number;
  wallUsPerMsg: number;
}

export async function measureDurability(dbPath: (tag: string) => string, totalMessages: number, timeLimitMs: number): Promise<DurabilityRow[]> {
  const rows: DurabilityRow[] = [];
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    const store = SqliteStore.open(dbPath(synchronous));
    try {
      (store as unknown as { db: { pragma(s: string): unknown } }).db.pragma(`synchronous = ${synchronous}`);
      const a = await store.createUser('dura', nameKey('dura'), 'x');
      const b = await store.createUser('durb', nameKey('durb'), 'x');
      await store.createFriendRequest(a.id, b.id);
      const conv = await store.acceptFriendRequest(b.id, a.id);
      const text = 'x'.repeat(120);
      for (const batch of [1, 64]) {
        const deadline = Date.now() + timeLimitMs;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let sent = 0;
        while (sent < totalMessages && Date.now() < deadline) {
          const messages = Array.from({ length: batch }, () => ({ conversationId: conv, senderId: a.id, text, clientMsgId: null, ts: Date.now() }));
          const results = await store.appendMessages(messages);
          if (!results.every((r) => r.ok)) throw new Error('append failed');
          sent += batch;
        }
        const wall = (performance.now() - t0) * 1000;
        const cpu = process.cpuUsage(cpu0);
        rows.push({ synchronous, batch, usPerBatch: wall / (sent / batch), cpuUsPerMsg: (cpu.user + cpu.system) / sent, wallUsPerMsg: wall / sent });
      }
    } finally {
      await store.close();
    }
  }
  return rows;
}
