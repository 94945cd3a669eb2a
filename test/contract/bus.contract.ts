// The Bus suite every Bus implementation runs (LocalBus in test/unit/bus/, RedisBus on a private
// Redis and on a private Redis Cluster in test/integration/cluster-bus*.test.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bus, BusEvent } from '../../lib/bus/bus.ts';

export interface BusHarness {
  /** a node on this harness's shared bus (LocalBus: every node is the one process-wide bus) */
  node(id: string): Promise<Bus>;
  /** publishes the transport has carried so far (PUBLISH/SPUBLISH commands, or publish() calls) */
  publishes(): Promise<number>;
  /** true when nodes are separate (separate processes in real life): crash and TTL apply */
  multiNode: boolean;
  /** the presence TTL the nodes were given */
  presenceTtlMs?: number;
  /** stops a node as kill -9 would: no goodbye, nothing withdrawn */
  crash?(bus: Bus): void;
  teardown(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Collects what a node's subscribers get. */
function record(bus: Bus): BusEvent[] {
  const got: BusEvent[] = [];
  bus.subscribe((e) => got.push(e));
  return got;
}

/** The users a node was woken for, for one frame. */
function usersFor(events: BusEvent[], frame: string): Set<number> {
  const out = new Set<number>();
  for (const e of events) if (e.frame === frame) for (const u of e.users) out.add(u);
  return out;
}

export function busContract(name: string, makeHarness: () => Promise<BusHarness>): void {
  const test = suite(`Bus contract: ${name}`);
  let h: BusHarness;
  test.before.each(async () => {
    h = await makeHarness();
  });
  test.after.each(async () => {
    await h.teardown();
  });

  test('an event reaches a user whose session is on another node, frame and exceptConn intact', async () => {
    const a = await h.node('a');
    const b = await h.node('b');
    const gotA = record(a);
    const gotB = h.multiNode ? record(b) : gotA;
    await b.sessionOpened(7);
    const frame = '{"type":"message","seq":1}\n';
    a.publish({ users: [7], frame, exceptConn: 'a:3' });
    await eventually(() => usersFor(gotB, frame).has(7), 3000, 'the event on node b');
    const e = gotB.find((x) => x.frame === frame)!;
    assert.is(e.exceptConn, 'a:3');
    // the publishing node's own subscribers are woken too (its own sessions may be recipients)
    assert.ok(gotA.some((x) => x.frame === frame));
  });

  test('an event keeps its sender, what blockers get, and its block change on every node, alone or batched', async () => {
    const a = await h.node('a');
    const b = await h.node('b');
    const gotB = record(b);
    await b.sessionOpened(9);
    a.publish({ users: [9], frame: 'from-5', sender: 5 });
    await eventually(() => gotB.some((e) => e.frame === 'from-5'), 3000, 'the event on node b');
    assert.equal([gotB.find((e) => e.frame === 'from-5')!.sender, gotB.find((e) => e.frame === 'from-5')!.blockedGet], [5, undefined]);
    a.publish({ users: [9], frame: 'typing-5', sender: 5, blockedGet: 'nothing' });
    a.publish({ users: [9], frame: 'quotes-6', sender: 5, quoted: 6 });
    a.publish({ users: [9], frame: 'blocks-5', block: { id: 5, blocked: true } });
    a.publish({ users: [9], frame: 'unblocks-5', block: { id: 5, blocked: false } });
    await eventually(() => gotB.some((e) => e.frame === 'unblocks-5'), 3000, 'the batch on node b');
    const typing = gotB.find((e) => e.frame === 'typing-5')!;
    assert.equal([typing.sender, typing.blockedGet, typing.block], [5, 'nothing', undefined]);
    assert.equal(gotB.find((e) => e.frame === 'blocks-5')!.block, { id: 5, blocked: true });
    assert.equal(gotB.find((e) => e.frame === 'unblocks-5')!.block, { id: 5, blocked: false });
    assert.is(gotB.find((e) => e.frame === 'blocks-5')!.sender, undefined);
    assert.equal([gotB.find((e) => e.frame === 'quotes-6')!.quoted, gotB.find((e) => e.frame === 'from-5')!.quoted], [6, undefined]);
  });

  test('an event that closes sessions keeps its close, and its token list, on every node, alone or batched', async () => {
    const a = await h.node('a');
    const b = await h.node('b');
    const gotB = record(b);
    await b.sessionOpened(8);
    a.publish({ users: [8], frame: 'last-all', exceptConn: 'a:1', close: {} });
    await eventually(() => gotB.some((e) => e.frame === 'last-all'), 3000, 'the close on node b');
    assert.equal(gotB.find((e) => e.frame === 'last-all')!.close, {});
    // Several in one tick travel together (RedisBus batches them).
    a.publish({ users: [8], frame: 'plain' });
    a.publish({ users: [8], frame: 'last-some', close: { tokens: ['h1', 'h2'] } });
    await eventually(() => gotB.some((e) => e.frame === 'last-some'), 3000, 'the batched close on node b');
    assert.equal(gotB.find((e) => e.frame === 'last-some')!.close, { tokens: ['h1', 'h2'] });
    assert.is(gotB.find((e) => e.frame === 'plain')!.close, undefined);
  });

  test('events from one node arrive at another in the order they were published', async () => {
    const a = await h.node('a');
    const b = await h.node('b');
    const gotB = record(b);
    await b.sessionOpened(11);
    for (let i = 0; i < 200; i++) a.publish({ users: [11, 12], frame: `f${i}` });
    await eventually(() => gotB.filter((e) => e.frame.startsWith('f')).length >= 200, 5000, '200 events');
    const frames = gotB.filter((e) => e.frame.startsWith('f')).map((e) => e.frame);
    assert.equal(frames.slice(0, 200), Array.from({ length: 200 }, (_, i) => `f${i}`));
  });

  /** Publishes `events` on node a in one tick, with `users` online on node b: what b got, and the publishes it took. */
  async function oneTick(users: number[], events: BusEvent[], prefix: string): Promise<{ got: BusEvent[]; publishes: number }> {
    const a = await h.node('a');
    const b = await h.node('b');
    const gotB = record(b);
    for (const u of users) await b.sessionOpened(u);
    const before = await h.publishes();
    for (const e of events) a.publish(e);
    const mine = () => gotB.filter((e) => e.frame.startsWith(prefix));
    await eventually(() => mine().length >= events.length, 5000, `${events.length} events on b`);
    await sleep(100); // anything still in flight is counted too
    return { got: mine(), publishes: (await h.publishes()) - before };
  }

  test('events published in one tick leave together: one publish, not one per event, in order', async () => {
    if (!h.multiNode) return; // LocalBus has no transport: nothing to batch
    const events = Array.from({ length: 50 }, (_, i): BusEvent => ({ users: i % 2 ? [41] : [41, 42], frame: `tick${i}`, ...(i === 7 ? { exceptConn: 'a:9' } : {}) }));
    const { got, publishes } = await oneTick([41, 42], events, 'tick');
    assert.is(publishes, 1, `${publishes} publishes for 50 events published in one tick`);
    assert.equal(got.map((e) => e.frame), events.map((e) => e.frame));
    assert.equal(got.map((e) => [...e.users]), events.map((e) => [...e.users]));
    assert.equal(got.filter((e) => e.exceptConn).map((e) => [e.frame, e.exceptConn]), [['tick7', 'a:9']]);
  });

  test('a tick of events too big for one envelope goes in several publishes, in order, none lost', async () => {
    if (!h.multiNode) return; // LocalBus has no transport: nothing to split
    const body = 'x'.repeat(100_000);
    const events = Array.from({ length: 6 }, (_, i): BusEvent => ({ users: [51], frame: `big${i}:${body}` }));
    const { got, publishes } = await oneTick([51], events, 'big');
    assert.is(publishes, 3, `600 KB of frames in ${publishes} publishes (two 100 KB frames per envelope of at most 256 KiB)`);
    assert.equal(got.map((e) => e.frame.slice(0, 4)), ['big0', 'big1', 'big2', 'big3', 'big4', 'big5']);
  });

  test('a 500-member group costs no more publishes per message than a 5-member one (at most one per node)', async () => {
    const nodes = [await h.node('a'), await h.node('b'), await h.node('c')];
    const [a, b, c] = nodes as [Bus, Bus, Bus];
    const gotB = record(b);
    const gotC = h.multiNode ? record(c) : gotB;
    // 500 members: 200 on b, 200 on c, 100 offline
    const members = Array.from({ length: 500 }, (_, i) => 1000 + i);
    for (const u of members.slice(0, 200)) await b.sessionOpened(u);
    for (const u of members.slice(200, 400)) await c.sessionOpened(u);
    const costOf = async (users: number[], frame: string) => {
      const before = await h.publishes();
      a.publish({ users, frame });
      await eventually(() => usersFor(gotB, frame).size > 0 && usersFor(gotC, frame).size > 0, 5000, `${frame} on b and c`);
      await sleep(100); // anything still in flight is counted too
      return (await h.publishes()) - before;
    };
    const small = await costOf([members[0]!, members[1]!, members[200]!, members[201]!, members[450]!], 'small');
    const big = await costOf(members, 'big');
    console.log(`REPORT bus fan-out (${name}): ${small} publishes for 5 members, ${big} for 500, ${nodes.length} nodes`);
    assert.ok(big >= 1, `the transport carried the message (${big})`);
    assert.ok(big <= nodes.length, `500 members: ${big} publishes, at most one per node`);
    assert.is(big, small, `publishes per message do not grow with the member count (${small} for 5, ${big} for 500)`);
    // and every online member's node was woken for that member
    const wokeB = usersFor(gotB, 'big');
    const wokeC = usersFor(gotC, 'big');
    for (const u of members.slice(0, 200)) assert.ok(wokeB.has(u), `user ${u} on b`);
    for (const u of members.slice(200, 400)) assert.ok(wokeC.has(u), `user ${u} on c`);
  });

  test('presence is counted across nodes: online with the first session anywhere, offline with the last', async () => {
    const a = await h.node('a');
    const b = await h.node('b');
    const c = await h.node('c');
    assert.is(await a.sessionOpened(21), true, 'first session: came online');
    assert.is(await b.sessionOpened(21), false, 'second session, other node: already online');
    assert.is(await a.sessionOpened(21), false, 'third session');
    assert.equal([...(await c.onlineAmong([21, 22]))], [21]);
    assert.is(await a.sessionClosed(21), false);
    assert.is(await a.sessionClosed(21), false, 'still on b');
    assert.equal([...(await c.onlineAmong([21]))], [21]);
    assert.is(await b.sessionClosed(21), true, 'last session anywhere: went offline');
    assert.equal([...(await c.onlineAmong([21]))], []);
    assert.is(await b.sessionClosed(21), false, 'closing what is not open changes nothing');
  });

  test("a crashed node's users go offline within the presence TTL; nobody else's do", async () => {
    if (!h.multiNode || !h.crash || !h.presenceTtlMs) return; // one process: nothing can crash alone
    const a = await h.node('a');
    const b = await h.node('b');
    await a.sessionOpened(31);
    await b.sessionOpened(32);
    await b.sessionOpened(33);
    await a.sessionOpened(33); // 33 is on both
    assert.equal([...(await a.onlineAmong([31, 32, 33]))].sort(), [31, 32, 33]);
    const crashedAt = Date.now();
    h.crash(b);
    // well past the TTL, a's own users are still online: its heartbeat keeps them, and b's
    // death resets nobody.
    await eventually(async () => !(await a.onlineAmong([32])).has(32), h.presenceTtlMs * 4, 'user 32 offline');
    const took = Date.now() - crashedAt;
    assert.ok(took <= h.presenceTtlMs * 4, `offline after ${took} ms (TTL ${h.presenceTtlMs})`);
    await sleep(h.presenceTtlMs * 1.5);
    assert.equal([...(await a.onlineAmong([31, 32, 33]))].sort(), [31, 33]);
  });

  test("close() withdraws only that node's presence, and a closed node is woken no more", async () => {
    const a = await h.node('a');
    const b = await h.node('b');
    if (!h.multiNode) {
      const got = record(a);
      await a.close();
      a.publish({ users: [1], frame: 'after' }); // does not throw
      await sleep(50);
      assert.equal(got.filter((e) => e.frame === 'after'), []);
      return;
    }
    const gotB = record(b);
    await a.sessionOpened(41);
    await b.sessionOpened(42);
    await b.sessionOpened(41);
    await b.close();
    assert.equal([...(await a.onlineAmong([41, 42]))], [41], "b's users are offline at once; a's stay online");
    b.publish({ users: [41], frame: 'from-closed' }); // does not throw
    a.publish({ users: [42], frame: 'to-closed' });
    await sleep(200);
    assert.equal(gotB.filter((e) => e.frame === 'to-closed' || e.frame === 'from-closed'), []);
  });

  test.run();
}
