// MessageWriter (group commit) against a fake Store whose appendMessages records each batch and
// can be held open, so a test decides when a batch commits.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppendResult, NewMessage, Store } from '../../../lib/db/store.ts';
import { ChatError } from '../../../lib/protocol/errors.ts';
import { MessageWriter } from '../../../lib/server/message-writer.ts';

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

failures('a store that returns too few results rejects the callers it did not answer', async () => {
  const { fake, writer } = setup();
  const original = fake.appendMessages.bind(fake);
  fake.appendMessages = async (batch) => (await original(batch)).slice(0, 1);
  const [a, b] = await Promise.all([writer.append(msg('a')), writer.append(msg('b'))].map(settled));
  assert.equal(a!.value, { seq: 1, ts: 1000, duplicate: false });
  assert.ok(b!.error, 'the unanswered caller is rejected, not left hanging');
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
drain.run();
