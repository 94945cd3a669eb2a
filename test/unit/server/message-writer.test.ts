// MessageWriter (group commit) against a fake Store whose appendMessages records each batch and
// can be held open, so a test decides when a batch commits.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppendResult, BatchResult, CursorMove, MoveResult, NewMessage, Store } from '../../../lib/db/store.ts';
import { ChatError } from '../../../lib/protocol/errors.ts';
import { MessageWriter, type MessageWriterHooks } from '../../../lib/server/message-writer.ts';

interface Call {
  batch: NewMessage[];
  commit: () => void;
  fail: (err: Error) => void;
}

class FakeStore {
  calls: Call[] = [];
  /** hold: batches wait for commit(); otherwise they commit at once */
  hold = false;
  inFlight = 0;
  maxInFlight = 0;
  nextSeq = 1;
  /** per-message outcome override, by text */
  outcome: (m: NewMessage) => AppendResult | undefined = () => undefined;

  appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<AppendResult[]>((resolve, reject) => {
      const commit = () => {
        this.inFlight--;
        resolve(batch.map((m) => this.outcome(m) ?? { ok: true, seq: this.nextSeq++, ts: m.ts, duplicate: false }));
      };
      const fail = (err: Error) => {
        this.inFlight--;
        reject(err);
      };
      this.calls.push({ batch: [...batch], commit, fail });
      if (!this.hold) commit();
    });
  }

  /** what appendBatch got, per batch */
  moveCalls: CursorMove[][] = [];

  /** The writer's call: the messages through appendMessages (which tests replace), the moves each at its seq. */
  appendBatch(messages: NewMessage[], moves: CursorMove[]): Promise<BatchResult> {
    this.moveCalls.push([...moves]);
    const appended = messages.length === 0 ? Promise.resolve([]) : this.appendMessages(messages);
    return appended.then((r) => ({ messages: r, moves: moves.map((m): MoveResult => ({ ok: true, seq: m.seq })) }));
  }

  get sizes(): number[] {
    return this.calls.map((c) => c.batch.length);
  }
}

function setup() {
  const fake = new FakeStore();
  const writer = new MessageWriter(fake as unknown as Store);
  return { fake, writer };
}

const msg = (text: string, ts = 1000): NewMessage => ({ conversationId: 1, senderId: 7, text, clientMsgId: null, ts });
const texts = (batch: NewMessage[]) => batch.map((m) => m.text);
const tick = () => new Promise((r) => setImmediate(r));

async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

// ---------------------------------------------------------------------------------------------

const batching = suite('MessageWriter: batching');

batching('appends made in one tick form one batch, in order', async () => {
  const { fake, writer } = setup();
  const results = ['a', 'b', 'c', 'd', 'e'].map((t) => writer.append(msg(t)));
  assert.is(fake.calls.length, 0, 'nothing is written synchronously');
  await Promise.all(results);
  assert.equal(fake.sizes, [5]);
  assert.equal(texts(fake.calls[0]!.batch), ['a', 'b', 'c', 'd', 'e']);
  assert.is(writer.batches, 1);
  assert.is(writer.messages, 5);
});

batching('each caller gets its own seq, ts and duplicate flag', async () => {
  const { fake, writer } = setup();
  fake.outcome = (m) => (m.text === 'again' ? { ok: true, seq: 1, ts: 1, duplicate: true } : undefined);
  const [a, b, again, c] = await Promise.all([
    writer.append(msg('a', 10)), writer.append(msg('b', 20)), writer.append(msg('again', 30)), writer.append(msg('c', 40)),
  ]);
  assert.equal(a, { seq: 1, ts: 10, duplicate: false });
  assert.equal(b, { seq: 2, ts: 20, duplicate: false });
  assert.equal(again, { seq: 1, ts: 1, duplicate: true });
  assert.equal(c, { seq: 3, ts: 40, duplicate: false });
});

batching('appends in different ticks form different batches', async () => {
  const { fake, writer } = setup();
  const first = [writer.append(msg('1')), writer.append(msg('2'))];
  await Promise.all(first);
  const second = [writer.append(msg('3'))];
  await Promise.all(second);
  assert.equal(fake.sizes, [2, 1]);
});

batching('a large burst is split into batches of at most 1000, keeping order', async () => {
  const { fake, writer } = setup();
  const all = Array.from({ length: 2500 }, (_, i) => writer.append(msg(String(i))));
  const results = await Promise.all(all);
  assert.equal(fake.sizes, [1000, 1000, 500]);
  assert.equal(fake.calls.flatMap((c) => texts(c.batch)), Array.from({ length: 2500 }, (_, i) => String(i)));
  assert.equal(results.map((r) => r.seq), Array.from({ length: 2500 }, (_, i) => i + 1));
  assert.is(fake.maxInFlight, 1);
});

const ackMove = (seq: number): CursorMove => ({ conversationId: 1, userId: 9, kind: 'delivered', seq });
const moveTo = (writer: MessageWriter, move: CursorMove) =>
  new Promise<number>((resolve, reject) => writer.enqueueMove(move, (err, seq) => (err ? reject(err) : resolve(seq!))));

batching('cursor moves of one tick ride the same batch as its messages, and are answered after it commits', async () => {
  const { fake, writer } = setup();
  fake.hold = true;
  let answered = 0;
  const moves = [moveTo(writer, ackMove(1)), moveTo(writer, ackMove(2))].map((p) => p.then((seq) => (answered++, seq)));
  const sent = writer.append(msg('a'));
  await tick();
  assert.equal(fake.sizes, [1]);
  assert.equal(fake.moveCalls, [[ackMove(1), ackMove(2)]]);
  assert.is(answered, 0, 'no answer before the commit');
  fake.calls[0]!.commit();
  assert.equal(await Promise.all(moves), [1, 2]);
  assert.is((await sent).seq, 1);
  assert.is(writer.batches, 1);
});

batching('a move never commits before a message queued ahead of it, even across a split batch', async () => {
  const { fake, writer } = setup();
  const sends = Array.from({ length: 1500 }, (_, i) => writer.append(msg(String(i))));
  const early = moveTo(writer, ackMove(1));
  sends.push(writer.append(msg('last')));
  const late = moveTo(writer, ackMove(2));
  await Promise.all([...sends, early, late]);
  assert.equal(fake.sizes, [1000, 501]);
  assert.equal(fake.moveCalls, [[], [ackMove(1), ackMove(2)]]);
});

batching('a moves-only batch commits, and a failed move fails only its caller', async () => {
  const { fake, writer } = setup();
  const original = fake.appendBatch.bind(fake);
  fake.appendBatch = async (messages, moves) => {
    const r = await original(messages, moves);
    return { messages: r.messages, moves: r.moves.map((m, i) => (i === 1 ? { ok: false, error: new ChatError('CHAT_ERR_BAD_CURSOR') } : m)) };
  };
  const [a, b] = await Promise.all([moveTo(writer, ackMove(3)), moveTo(writer, ackMove(9))].map(settled));
  assert.is(a!.value, 3);
  assert.is((b!.error as ChatError).code, 'CHAT_ERR_BAD_CURSOR');
  assert.equal(fake.sizes, [], 'no message batch');
  fake.appendBatch = original;
});

// ---------------------------------------------------------------------------------------------

const inflight = suite('MessageWriter: one batch in flight');

inflight('appends made while a batch is in flight form the next batch', async () => {
  const { fake, writer } = setup();
  fake.hold = true;
  const first = [writer.append(msg('a')), writer.append(msg('b')), writer.append(msg('c'))];
  await tick();
  assert.equal(fake.sizes, [3]);

  const second = [writer.append(msg('d'))];
  await tick();
  second.push(writer.append(msg('e')));
  await tick();
  await tick();
  assert.equal(fake.sizes, [3], 'no second batch while the first is in flight');

  fake.calls[0]!.commit();
  assert.equal((await Promise.all(first)).map((r) => r.seq), [1, 2, 3]);
  await tick();
  assert.equal(fake.sizes, [3, 2]);
  assert.equal(texts(fake.calls[1]!.batch), ['d', 'e']);
  fake.calls[1]!.commit();
  assert.equal((await Promise.all(second)).map((r) => r.seq), [4, 5]);
  assert.is(fake.maxInFlight, 1);
});

inflight('a caller appending again as soon as it is acked lands in the next batch', async () => {
  const { fake, writer } = setup();
  const chained = writer.append(msg('first')).then(() => writer.append(msg('second')));
  const other = writer.append(msg('other'));
  assert.equal((await chained).seq, 3);
  assert.equal((await other).seq, 2);
  assert.equal(fake.calls.map((c) => texts(c.batch)), [['first', 'other'], ['second']]);
});

// ---------------------------------------------------------------------------------------------

const failures = suite('MessageWriter: failures');

failures('a rejected batch rejects every caller in it, and the writer carries on', async () => {
  const { fake, writer } = setup();
  fake.hold = true;
  const doomed = [writer.append(msg('a')), writer.append(msg('b'))].map(settled);
  await tick();
  const err = Object.assign(new Error('pool timeout'), { code: 'CHAT_ERR_DB_BUSY' });
  fake.calls[0]!.fail(err);
  for (const r of await Promise.all(doomed)) {
    assert.is(r.value, undefined);
    assert.is((r.error as { code?: string }).code, 'CHAT_ERR_DB_BUSY');
  }
  assert.is(writer.batches, 0, 'a failed batch is not counted');

  fake.hold = false;
  assert.equal(await writer.append(msg('c')), { seq: 1, ts: 1000, duplicate: false });
  assert.equal(fake.sizes, [2, 1]);
});

failures('a per-item failure rejects only that caller', async () => {
  const { fake, writer } = setup();
  fake.outcome = (m) => (m.text === 'bad' ? { ok: false, error: new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION') } : undefined);
  const [a, bad, c] = await Promise.all([writer.append(msg('a')), writer.append(msg('bad')), writer.append(msg('c'))].map(settled));
  assert.equal(a!.value, { seq: 1, ts: 1000, duplicate: false });
  assert.is((bad!.error as ChatError).code, 'CHAT_ERR_NO_SUCH_CONVERSATION');
  assert.equal(c!.value, { seq: 2, ts: 1000, duplicate: false });
  assert.equal(fake.sizes, [3]);
});

// ---------------------------------------------------------------------------------------------

const thrown = suite('MessageWriter: a throw anywhere in a batch');

// A throw the writer lets escape becomes an unhandled rejection, which ends the node.
const unhandled: unknown[] = [];
process.on('unhandledRejection', (err) => void unhandled.push(err));
thrown.after.each(async () => {
  await tick();
  assert.equal(unhandled.splice(0), [], 'no unhandled rejection');
});

interface Reported {
  reason: string;
  failed: number;
  error: unknown;
}

/** A writer whose hooks record batch errors; `hooks` overrides the rest. */
function withReports(hooks: MessageWriterHooks = {}) {
  const fake = new FakeStore();
  const reported: Reported[] = [];
  const writer = new MessageWriter(fake as unknown as Store, {
    onBatchError: (error, reason, failed) => void reported.push({ error, reason, failed }),
    ...hooks,
  });
  return { fake, writer, reported };
}

/** Enqueues `n` messages; `calls[i]` counts how often the i-th `done` ran, and with what error. */
function enqueueCounted(writer: MessageWriter, n: number) {
  const calls: { count: number; error: Error | null }[] = [];
  for (let i = 0; i < n; i++) {
    const c = { count: 0, error: null as Error | null };
    calls.push(c);
    writer.enqueue(msg(`m${i}`), (err) => {
      c.count++;
      c.error = err;
    });
  }
  return calls;
}

async function idle(writer: MessageWriter): Promise<void> {
  await writer.drain();
  await tick();
}

function everyFailedOnce(calls: { count: number; error: Error | null }[], code: string): void {
  for (const [i, c] of calls.entries()) {
    assert.is(c.count, 1, `done ${i} ran once`);
    assert.is((c.error as ChatError | null)?.code, code, `done ${i} got ${code}`);
  }
}

thrown('a store that returns the wrong number of results fails every caller of the batch, and the writer carries on', async () => {
  const { fake, writer, reported } = withReports();
  const original = fake.appendMessages.bind(fake);
  fake.appendMessages = async (batch) => (await original(batch)).slice(0, 1);
  const [a, b] = await Promise.all([writer.append(msg('a')), writer.append(msg('b'))].map(settled));
  // With a result missing, no result can be trusted to belong to its message.
  assert.is((a!.error as ChatError).code, 'CHAT_ERR_INTERNAL');
  assert.is((b!.error as ChatError).code, 'CHAT_ERR_INTERNAL');
  assert.equal(reported.map((r) => [r.reason, r.failed]), [['internal', 2]]);
  fake.appendMessages = original;
  assert.ok((await writer.append(msg('c'))).seq > 0, 'the next batch commits');
});

thrown('onBatch throws: every caller gets CHAT_ERR_INTERNAL once, it is reported, and the next batch commits', async () => {
  let throwing = true;
  const { fake, writer, reported } = withReports({
    onBatch: () => {
      if (throwing) throw new Error('metrics bug');
    },
  });
  const calls = enqueueCounted(writer, 3);
  await idle(writer);
  everyFailedOnce(calls, 'CHAT_ERR_INTERNAL');
  assert.equal(reported.map((r) => [r.reason, r.failed, (r.error as Error).message]), [['internal', 3, 'metrics bug']]);
  throwing = false;
  assert.ok((await writer.append(msg('next'))).seq > 0);
  assert.equal(fake.sizes, [3, 1]);
});

thrown('afterBatch throws: every caller was answered once already, it is reported, and the next batch commits', async () => {
  let throwing = true;
  let flushes = 0;
  const { fake, writer, reported } = withReports({
    afterBatch: () => {
      flushes++;
      if (throwing) throw new Error('flush bug');
    },
  });
  const calls = enqueueCounted(writer, 2);
  await idle(writer);
  for (const c of calls) assert.equal(c, { count: 1, error: null });
  assert.equal(reported.map((r) => [r.reason, r.failed]), [['internal', 0]]);
  throwing = false;
  assert.ok((await writer.append(msg('next'))).seq > 0);
  assert.equal(fake.sizes, [2, 1]);
  assert.ok(flushes >= 2);
});

thrown('the store throws synchronously: every caller gets the error once, it is reported, and the next batch commits', async () => {
  const { fake, writer, reported } = withReports();
  const original = fake.appendMessages.bind(fake);
  fake.appendMessages = () => {
    throw Object.assign(new Error('pool gone'), { code: 'CHAT_ERR_DB_UNAVAILABLE' });
  };
  const calls = enqueueCounted(writer, 3);
  await idle(writer);
  everyFailedOnce(calls, 'CHAT_ERR_DB_UNAVAILABLE');
  assert.equal(reported.map((r) => [r.reason, r.failed]), [['store', 3]]);
  fake.appendMessages = original;
  assert.ok((await writer.append(msg('next'))).seq > 0);
});

thrown('the store rejects with an uncoded error: callers get CHAT_ERR_INTERNAL once, the error is reported once', async () => {
  const { fake, writer, reported } = withReports();
  fake.hold = true;
  const calls = enqueueCounted(writer, 3);
  await tick();
  fake.calls[0]!.fail(new Error('disk I/O error'));
  await idle(writer);
  everyFailedOnce(calls, 'CHAT_ERR_INTERNAL');
  assert.equal(reported.map((r) => [r.reason, r.failed, (r.error as Error).message]), [['store', 3, 'disk I/O error']]);
  fake.hold = false;
  assert.ok((await writer.append(msg('next'))).seq > 0);
});

thrown('the store resolves to something that is not a list: every caller gets CHAT_ERR_INTERNAL once', async () => {
  const { fake, writer, reported } = withReports();
  const original = fake.appendMessages.bind(fake);
  fake.appendMessages = async () => undefined as unknown as AppendResult[];
  const calls = enqueueCounted(writer, 2);
  await idle(writer);
  everyFailedOnce(calls, 'CHAT_ERR_INTERNAL');
  assert.equal(reported.map((r) => [r.reason, r.failed]), [['internal', 2]]);
  fake.appendMessages = original;
  assert.ok((await writer.append(msg('next'))).seq > 0);
});

thrown('a malformed result fails only its own caller, with CHAT_ERR_INTERNAL, and is reported', async () => {
  const { fake, writer, reported } = withReports();
  const original = fake.appendMessages.bind(fake);
  fake.appendMessages = async (batch) => (await original(batch)).map((r, i) => (i === 1 ? (null as unknown as AppendResult) : r));
  const calls = enqueueCounted(writer, 3);
  await idle(writer);
  assert.equal(calls.map((c) => [c.count, (c.error as ChatError | null)?.code ?? null]), [[1, null], [1, 'CHAT_ERR_INTERNAL'], [1, null]]);
  assert.equal(reported.map((r) => [r.reason, r.failed]), [['internal', 1]]);
});

thrown('a done that throws is reported, and the rest of the batch still gets its answer', async () => {
  const callbackErrors: unknown[] = [];
  const { writer, reported } = withReports({ onCallbackError: (err) => void callbackErrors.push(err) });
  const answered: string[] = [];
  writer.enqueue(msg('a'), () => {
    answered.push('a');
    throw new Error('handler bug');
  });
  writer.enqueue(msg('b'), () => void answered.push('b'));
  await idle(writer);
  assert.equal(answered, ['a', 'b'], 'each done ran once');
  assert.equal(callbackErrors.map((e) => (e as Error).message), ['handler bug']);
  assert.equal(reported, [], 'a caller\'s bug is not a batch failure');
});

thrown('without hooks a throwing store still answers every caller and raises nothing', async () => {
  const fake = new FakeStore();
  const writer = new MessageWriter(fake as unknown as Store);
  fake.appendMessages = () => {
    throw new Error('boom');
  };
  const calls = enqueueCounted(writer, 2);
  await idle(writer);
  everyFailedOnce(calls, 'CHAT_ERR_INTERNAL');
});

thrown('a throwing report hook does not stop the callers from getting their answer', async () => {
  const { writer } = withReports({
    onBatch: () => {
      throw new Error('metrics bug');
    },
    onBatchError: () => {
      throw new Error('logger bug');
    },
  });
  const calls = enqueueCounted(writer, 2);
  await idle(writer);
  everyFailedOnce(calls, 'CHAT_ERR_INTERNAL');
});

// ---------------------------------------------------------------------------------------------

const drain = suite('MessageWriter: drain');

drain('resolves at once when nothing is queued', async () => {
  const { writer } = setup();
  await writer.drain();
});

drain('waits for the queued, the in-flight and the follow-up batches', async () => {
  const { fake, writer } = setup();
  fake.hold = true;
  const acked: string[] = [];
  const track = (t: string) => writer.append(msg(t)).then(() => acked.push(t));
  const all = [track('a'), track('b')];
  await tick(); // batch 1 in flight
  all.push(track('c')); // queued behind it
  let drained = false;
  const draining = writer.drain().then(() => (drained = true));
  await tick();
  assert.not.ok(drained);
  fake.calls[0]!.commit();
  await tick();
  await tick();
  assert.not.ok(drained, 'the second batch is still open');
  assert.equal(fake.sizes, [2, 1]);
  fake.calls[1]!.commit();
  await draining;
  assert.ok(drained);
  assert.equal(acked, ['a', 'b', 'c']);
  await Promise.all(all);
});

drain('also returns after a batch failed', async () => {
  const { fake, writer } = setup();
  fake.hold = true;
  const doomed = settled(writer.append(msg('a')));
  await tick();
  const draining = writer.drain();
  fake.calls[0]!.fail(new Error('gone'));
  await draining;
  assert.ok((await doomed).error);
});

batching.run();
inflight.run();
failures.run();
thrown.run();
drain.run();
