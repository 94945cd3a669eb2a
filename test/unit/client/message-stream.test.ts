// MessageStream against a fake server: an in-memory array of messages per conversation and
// one delivered cursor each. Requests are answered either automatically or one by one, so a
// test can put pushes anywhere between a request and its reply.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MessageStream, type SyncSource } from '../../../lib/client/message-stream.ts';
import { ChatError } from '../../../lib/protocol/errors.ts';
import type { ConversationView, MessageView, RequestOf, Results } from '../../../lib/protocol/messages.ts';

interface Conversation {
  messages: MessageView[];
  delivered: number;
}

type Reply = Results['sync'] | Results['conversations'];

interface Pending {
  type: 'sync' | 'conversations';
  body: Record<string, unknown>;
  /** the server's answer, fixed when the request is processed */
  reply?: Reply | Error;
  resolve: (r: any) => void;
  reject: (e: Error) => void;
}

class FakeServer implements SyncSource {
  convs = new Map<string, Conversation>();
  calls: { type: string; body: Record<string, unknown> }[] = [];
  pending: Pending[] = [];
  /** auto: answer each request from the state at the time it is made, one microtask later */
  auto = true;
  pageSize = 200;
  /** make the next sync requests fail */
  failSyncs = 0;

  conversation(id: string, count = 0, delivered = 0): Conversation {
    const c: Conversation = { messages: [], delivered };
    this.convs.set(id, c);
    for (let i = 0; i < count; i++) this.append(id);
    return c;
  }

  /** Stores the next message of a conversation and returns it (what a push would carry). */
  append(id: string): MessageView {
    const c = this.convs.get(id) ?? this.conversation(id);
    const seq = c.messages.length + 1;
    const m: MessageView = { conversation: id, seq, from: 'bob', to: 'alice', text: `${id}#${seq}`, ts: new Date(seq * 1000).toISOString() };
    c.messages.push(m);
    return m;
  }

  message(id: string, seq: number): MessageView {
    return this.convs.get(id)!.messages[seq - 1]!;
  }

  request(type: 'sync', body: RequestOf<'sync'>): Promise<Results['sync']>;
  request(type: 'conversations', body: RequestOf<'conversations'>): Promise<Results['conversations']>;
  request(type: 'sync' | 'conversations', body: Record<string, unknown>): Promise<any> {
    this.calls.push({ type, body: { ...body } });
    return new Promise((resolve, reject) => {
      const p: Pending = { type, body, resolve, reject };
      if (this.auto) {
        this.process(p);
        queueMicrotask(() => this.respond(p));
      } else {
        this.pending.push(p);
      }
    });
  }

  /** Computes the reply from the current state. */
  process(p: Pending): void {
    if (p.type === 'conversations') {
      const conversations: ConversationView[] = [...this.convs].map(([conversation, c]) => ({
        conversation, with: 'bob', delivered: c.delivered, read: c.delivered, last_seq: c.messages.length,
        unread: c.messages.length - c.delivered,
      }));
      p.reply = { conversations };
      return;
    }
    if (this.failSyncs > 0) {
      this.failSyncs--;
      p.reply = new ChatError('CHAT_ERR_DISCONNECTED');
      return;
    }
    const id = p.body.conversation as string;
    const c = this.convs.get(id);
    if (!c) {
      p.reply = new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION');
      return;
    }
    const after = (p.body.after as number | undefined) ?? c.delivered;
    const rest = c.messages.filter((m) => m.seq > after);
    p.reply = { conversation: id, messages: rest.slice(0, this.pageSize), more: rest.length > this.pageSize };
  }

  respond(p: Pending): void {
    if (p.reply instanceof Error) p.reject(p.reply);
    else p.resolve(p.reply);
  }

  /** Manual mode: answers the oldest pending request (processing it now if it was not yet). */
  answerNext(): boolean {
    const p = this.pending.shift();
    if (!p) return false;
    if (!p.reply) this.process(p);
    this.respond(p);
    return true;
  }

  /** Manual mode: fixes the reply of the oldest unprocessed request; it is sent later. */
  processNext(): boolean {
    const p = this.pending.find((q) => !q.reply);
    if (!p) return false;
    this.process(p);
    return true;
  }

  syncCalls(): Record<string, unknown>[] {
    return this.calls.filter((c) => c.type === 'sync').map((c) => c.body);
  }
}

/** Lets every queued microtask and immediate run. */
const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function harness(server: FakeServer) {
  const emitted: MessageView[] = [];
  const errors: Error[] = [];
  const stream = new MessageStream(server, (m) => emitted.push(m), (e) => errors.push(e));
  const seqs = (conversation: string) => emitted.filter((m) => m.conversation === conversation).map((m) => m.seq);
  return { stream, emitted, errors, seqs };
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

// ---------------------------------------------------------------------------------------------

const basic = suite('MessageStream: backlog, duplicates, gaps');

basic('the backlog after each delivered cursor is emitted in order', async () => {
  const server = new FakeServer();
  server.conversation('c1', 5, 2);
  server.conversation('c2', 3, 3);
  server.conversation('c3', 4, 0);
  const { stream, emitted, seqs, errors } = harness(server);
  await stream.start();
  assert.equal(seqs('c1'), [3, 4, 5]);
  assert.equal(seqs('c2'), []);
  assert.equal(seqs('c3'), [1, 2, 3, 4]);
  assert.is(emitted.length, 7);
  assert.equal(emitted[0], server.message('c1', 3), 'the messages are handed out as the server sent them');
  assert.equal(server.syncCalls(), [{ conversation: 'c1', after: 2 }, { conversation: 'c3', after: 0 }], 'no sync for a caught-up conversation');
  assert.equal(stream.positions(), new Map([['c1', 5], ['c2', 3], ['c3', 4]]));
  assert.equal(errors, []);
});

basic('the same push twice, and a push of a backlog message, are dropped', async () => {
  const server = new FakeServer();
  server.conversation('c1', 3, 0);
  const { stream, seqs } = harness(server);
  await stream.start();
  stream.push(server.message('c1', 2)); // already in the backlog
  const m4 = server.append('c1');
  stream.push(m4);
  stream.push(m4);
  stream.push({ ...m4 });
  await settle();
  assert.equal(seqs('c1'), [1, 2, 3, 4]);
  assert.is(server.syncCalls().length, 1, 'only the backlog needed a sync');
});

basic('the next push in line is emitted at once, without a sync', async () => {
  const server = new FakeServer();
  server.conversation('c1', 2, 2);
  const { stream, seqs } = harness(server);
  await stream.start();
  stream.push(server.append('c1'));
  assert.equal(seqs('c1'), [3]);
  assert.is(server.syncCalls().length, 0);
});

basic('a gap (7 after 5) is filled by a sync and emitted as 6, 7', async () => {
  const server = new FakeServer();
  server.conversation('c1', 5, 5);
  const { stream, seqs } = harness(server);
  await stream.start();
  server.append('c1'); // 6: its push is lost
  const m7 = server.append('c1');
  stream.push(m7);
  assert.equal(seqs('c1'), [], 'nothing is skipped while the gap is open');
  await settle();
  assert.equal(seqs('c1'), [6, 7]);
  assert.equal(server.syncCalls(), [{ conversation: 'c1', after: 5 }]);
  stream.push(server.message('c1', 6)); // the lost push turns up late
  await settle();
  assert.equal(seqs('c1'), [6, 7]);
});

basic('pushes out of order (7 then 6) come out as 6, 7 once each', async () => {
  const server = new FakeServer();
  server.conversation('c1', 5, 5);
  server.auto = false;
  const { stream, seqs } = harness(server);
  const started = stream.start();
  server.answerNext();
  await started;
  const m6 = server.append('c1');
  const m7 = server.append('c1');
  stream.push(m7);
  stream.push(m6); // arrives while the gap sync is out
  stream.push(m7);
  assert.equal(seqs('c1'), []);
  server.answerNext();
  await settle();
  assert.equal(seqs('c1'), [6, 7]);
});

basic('a gap found while a sync is out is filled by a further sync', async () => {
  const server = new FakeServer();
  server.conversation('c1', 5, 5);
  server.auto = false;
  const { stream, seqs } = harness(server);
  const started = stream.start();
  server.answerNext();
  await started;
  server.append('c1'); // 6, lost
  stream.push(server.append('c1')); // 7 → sync after 5
  server.answerNext(); // the server answers [6, 7] ...
  server.append('c1'); // ... then stores 8 (lost) and 9
  stream.push(server.append('c1'));
  await settle();
  assert.equal(seqs('c1'), [6, 7]);
  server.answerNext(); // sync after 7 → 8, 9
  await settle();
  assert.equal(seqs('c1'), [6, 7, 8, 9]);
  assert.equal(server.syncCalls(), [{ conversation: 'c1', after: 5 }, { conversation: 'c1', after: 7 }]);
});

basic('a push for an unknown conversation syncs from the server\'s delivered cursor', async () => {
  const server = new FakeServer();
  const { stream, seqs } = harness(server);
  await stream.start();
  server.conversation('g1', 4, 2); // joined at seq 2, say
  stream.push(server.append('g1')); // 5
  await settle();
  assert.equal(seqs('g1'), [3, 4, 5]);
  assert.equal(server.syncCalls(), [{ conversation: 'g1' }], 'no "after": the server starts at the delivered cursor');
  assert.not.ok('after' in server.syncCalls()[0]!);
  assert.is(stream.positions().get('g1'), 5);
});

basic('a push for an unknown conversation at or below the delivered cursor is not emitted', async () => {
  const server = new FakeServer();
  const { stream, seqs } = harness(server);
  await stream.start();
  server.conversation('g1', 3, 3); // another session already took all three
  stream.push(server.message('g1', 3));
  await settle();
  assert.equal(seqs('g1'), []);
  stream.push(server.append('g1'));
  await settle();
  assert.equal(seqs('g1'), [4]);
});

basic('sync pages with more: true are followed to the end', async () => {
  const server = new FakeServer();
  server.pageSize = 3;
  server.conversation('c1', 11, 1);
  const { stream, seqs } = harness(server);
  await stream.start();
  assert.equal(seqs('c1'), range(2, 11));
  assert.equal(server.syncCalls().map((b) => b.after), [1, 4, 7, 10]);
  // a gap after start pages as well
  for (let i = 0; i < 8; i++) server.append('c1');
  stream.push(server.message('c1', 19));
  await settle(10);
  assert.equal(seqs('c1'), range(2, 19));
  assert.equal(server.syncCalls().map((b) => b.after), [1, 4, 7, 10, 11, 14, 17]);
});

// ---------------------------------------------------------------------------------------------

const early = suite('MessageStream: pushes before start() finishes');

early('pushes during the conversations request and the backlog sync are neither lost nor doubled', async () => {
  const server = new FakeServer();
  server.conversation('c1', 5, 3);
  server.auto = false;
  const { stream, seqs, emitted } = harness(server);
  const started = stream.start();
  stream.push(server.append('c1')); // 6, before the conversations reply
  assert.ok(server.answerNext()); // conversations: c1 last_seq 6
  await settle();
  stream.push(server.message('c1', 4)); // a backlog message pushed again
  stream.push(server.append('c1')); // 7, while the backlog sync is out
  stream.push(server.message('c1', 6));
  assert.equal(emitted, [], 'nothing before the backlog');
  assert.ok(server.answerNext()); // sync after 3 → 4..7
  await started;
  await settle();
  assert.equal(seqs('c1'), [4, 5, 6, 7]);
});

early('a push before start() is even called waits for it', async () => {
  const server = new FakeServer();
  server.conversation('c1', 2, 0);
  const { stream, seqs } = harness(server);
  stream.push(server.append('c1'));
  assert.equal(seqs('c1'), []);
  await stream.start();
  await settle();
  assert.equal(seqs('c1'), [1, 2, 3]);
});

early('an early push for a conversation created after the conversations reply is synced', async () => {
  const server = new FakeServer();
  server.conversation('c1', 1, 0);
  server.auto = false;
  const { stream, seqs } = harness(server);
  const started = stream.start();
  server.answerNext(); // conversations: only c1
  server.conversation('g9', 0, 0);
  stream.push(server.append('g9'));
  stream.push(server.append('g9'));
  server.auto = true;
  server.answerNext(); // c1's backlog
  await started;
  await settle();
  assert.equal(seqs('c1'), [1]);
  assert.equal(seqs('g9'), [1, 2]);
});

// ---------------------------------------------------------------------------------------------

const failure = suite('MessageStream: failed syncs');

failure('a failed gap sync is reported, and the next push recovers everything once', async () => {
  const server = new FakeServer();
  server.conversation('c1', 5, 5);
  const { stream, seqs, errors } = harness(server);
  await stream.start();
  server.append('c1'); // 6, lost
  server.failSyncs = 1;
  stream.push(server.append('c1')); // 7
  await settle();
  assert.is(errors.length, 1);
  assert.is((errors[0] as ChatError).code, 'CHAT_ERR_DISCONNECTED');
  assert.equal(seqs('c1'), []);
  stream.push(server.message('c1', 6)); // the missing one turns up late
  await settle();
  assert.equal(seqs('c1'), [6, 7], 'the held 7 follows the late 6');
  stream.push(server.append('c1'));
  await settle();
  assert.equal(seqs('c1'), [6, 7, 8]);
});

failure('a push the server cannot back up does not make the stream ask again and again', async () => {
  const server = new FakeServer();
  server.conversation('c1', 2, 2);
  const { stream, seqs, errors } = harness(server);
  await stream.start();
  stream.push({ ...server.message('c1', 2), seq: 50 }); // the server has nothing between 2 and 50
  await settle(20);
  assert.ok(server.syncCalls().length <= 2, `${server.syncCalls().length} sync requests`);
  assert.equal(seqs('c1'), []);
  stream.push(server.append('c1')); // 3 is real
  await settle();
  assert.equal(seqs('c1'), [3]);
  assert.equal(errors, []);
});

// ---------------------------------------------------------------------------------------------

const random = suite('MessageStream: randomized interleavings');

/** mulberry32: small, seeded, good enough to shuffle events. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function runInterleaving(seed: number): Promise<void> {
  const rand = prng(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]!;
  const server = new FakeServer();
  server.auto = false;
  server.pageSize = 1 + Math.floor(rand() * 4);
  const ids = ['c1', 'c2', 'c3'];
  for (const id of ids.slice(0, 2)) server.conversation(id, Math.floor(rand() * 6), 0).delivered = 0;
  for (const c of server.convs.values()) c.delivered = Math.floor(rand() * (c.messages.length + 1));
  const startDelivered = new Map([...server.convs].map(([id, c]) => [id, c.delivered]));
  const { stream: inner, emitted, errors } = harness(server);
  /** the highest seq pushed into the stream, per conversation */
  const pushedUpTo = new Map<string, number>();
  const stream = {
    push(m: MessageView) {
      pushedUpTo.set(m.conversation, Math.max(pushedUpTo.get(m.conversation) ?? 0, m.seq));
      inner.push(m);
    },
  };
  /** pushes on their way: a real push may be lost, doubled, delayed or overtaken */
  const wire: MessageView[] = [];
  let startDone = false;
  const started = inner.start().then(() => (startDone = true));

  for (let step = 0; step < 120; step++) {
    const r = rand();
    if (r < 0.3) {
      const id = pick(ids); // c3 does not exist at first: it appears mid-run
      if (!server.convs.has(id)) startDelivered.set(id, server.conversation(id, 0, 0).delivered);
      const m = server.append(id);
      const fate = rand();
      if (fate < 0.15) continue; // lost
      wire.push(m);
      if (fate > 0.85) wire.push(m); // doubled
    } else if (r < 0.6 && wire.length > 0) {
      const i = rand() < 0.7 ? 0 : Math.floor(rand() * wire.length); // mostly in order
      stream.push(wire.splice(i, 1)[0]!);
    } else if (r < 0.7) {
      server.processNext(); // the reply is computed now; pushes stored later may overtake it
    } else if (r < 0.8) {
      server.answerNext(); // replies go out in order, as on one connection
    } else if (r < 0.9) {
      // a stale push of something already stored
      const c = pick([...server.convs.keys()]);
      const messages = server.convs.get(c)!.messages;
      if (messages.length > 0) stream.push(pick(messages));
    }
    await settle(1);
  }
  // Quiesce: deliver what is on the wire, answer everything, then one more wake-up per
  // conversation (what the next push or reconnect would do), and answer again.
  for (const m of wire.splice(0)) stream.push(m);
  server.auto = true;
  while (server.answerNext()) await settle(1);
  await started;
  assert.ok(startDone);
  await settle(5);
  // Liveness: every push that arrived is out, with everything before it, with no further wake-up.
  for (const [id, upTo] of pushedUpTo) {
    const got = emitted.filter((m) => m.conversation === id).map((m) => m.seq);
    const from = startDelivered.get(id)! + 1;
    assert.equal(got, range(from, Math.max(upTo, got.at(-1) ?? 0)), `seed ${seed}: ${id} up to the last push`);
  }
  for (const [id, c] of server.convs) if (c.messages.length > 0) stream.push(c.messages[c.messages.length - 1]!);
  await settle(20);

  assert.equal(errors, [], `seed ${seed}`);
  const seen = new Set<string>();
  for (const m of emitted) {
    const key = `${m.conversation}:${m.seq}`;
    assert.not.ok(seen.has(key), `seed ${seed}: ${key} emitted twice`);
    seen.add(key);
  }
  for (const [id, c] of server.convs) {
    const got = emitted.filter((m) => m.conversation === id).map((m) => m.seq);
    const from = startDelivered.get(id)! + 1;
    assert.equal(got, range(from, c.messages.length), `seed ${seed}: ${id} in order, no gaps, nothing missing`);
  }
}

random('no message is emitted twice, skipped or reordered, over 300 seeded interleavings', async () => {
  for (let seed = 1; seed <= 300; seed++) await runInterleaving(seed);
});

basic.run();
early.run();
failure.run();
random.run();
