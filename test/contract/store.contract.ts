// The Store contract: every implementation runs this same suite. `open` must return an EMPTY
// store each time (it is called before every test); `cleanup` runs after store.close() and
// releases whatever else open() created (a temp file, a scratch database).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AdminAction, CursorMove, MoveResult, NewEvent, NewMessage, SessionStart, Store, UserRow } from '../../lib/db/store.ts';
import { planSearch } from '../../lib/db/search-tokens.ts';
import type { SearchPosition } from '../../lib/db/search.ts';
import { rejectsWith } from '../helpers/assert.ts';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;


/** The event fields of a plain message: not an event, never edited or deleted, no reply. */
const PLAIN = { kind: 'message', target: null, editedAt: null, deleted: false, replyTo: null, mentions: [] as string[] } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function storeContract(label: string, open: OpenStore): void {
  const test = suite(`Store contract: ${label}`);
  let store: Store;
  let cleanup: () => Promise<void>;

  test.before.each(async () => {
    ({ store, cleanup } = await open());
  });
  test.after.each(async () => {
    await store.close();
    await cleanup();
  });

  const user = (name: string): Promise<UserRow> => store.createUser(name, name.toLowerCase(), `hash:${name}`);
  const msg = (conversationId: number, senderId: number, text: string, clientMsgId: string | null = null, ts = Date.now()): NewMessage =>
    ({ conversationId, senderId, text, clientMsgId, ts });
  const befriend = async (a: number, b: number): Promise<number> => {
    await store.createFriendRequest(a, b);
    return store.acceptFriendRequest(b, a);
  };
  /** Ann, Bob and Cid, and group G that Ann created and the other two joined. */
  const groupOfThree = async () => {
    const [a, b, c] = [await user('Ann'), await user('Bob'), await user('Cid')];
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await store.joinGroup(g.id, c.id);
    return { a, b, c, g };
  };
  /** Appends and asserts every item was stored; returns the seqs. */
  const send = async (...batch: NewMessage[]): Promise<number[]> => {
    const results = await store.appendMessages(batch);
    return results.map((r) => {
      if (!r.ok) throw r.error;
      return r.seq;
    });
  };
  /** The token's user if it is valid at `now`; a resume that never slides, so nothing is written. */
  const userByToken = async (tokenHash: string, now: number): Promise<UserRow | null> =>
    (await store.resumeToken(tokenHash, now, now + 1, now + 1))?.user ?? null;
  const seqsOf = async (conv: number) => (await store.messagesAfter(conv, 0, 100_000)).map((m) => m.seq);

  // users and tokens

  test('createUser and userByKey; keys are unique and compared exactly', async () => {
    const alice = await store.createUser('Alice', 'alice', 'h1');
    assert.equal(alice, { id: alice.id, name: 'Alice', passwordHash: 'h1' });
    assert.equal(await store.userByKey('alice'), alice);
    assert.is(await store.userByKey('bob'), null);
    await rejectsWith(store.createUser('ALICE', 'alice', 'h2'), 'CHAT_ERR_NAME_TAKEN');
    // The store never normalizes: a different key is a different user.
    const upper = await store.createUser('ALICE', 'ALICE', 'h3');
    assert.is.not(upper.id, alice.id);
    assert.equal(await store.userByKey('alice'), alice);
  });

  test('tokens: valid until expiresAt, then gone; deleteToken revokes', async () => {
    const alice = await user('Alice');
    await store.saveToken('t1', alice.id, 1_000);
    assert.equal(await userByToken('t1', 999), alice);
    assert.is(await userByToken('t1', 1_000), null);
    assert.is(await userByToken('t1', 5_000), null);
    assert.is(await userByToken('nope', 0), null);
    await store.saveToken('t2', alice.id, 10_000);
    await store.deleteToken('t2');
    assert.is(await userByToken('t2', 0), null);
    await store.deleteToken('never-existed');
  });

  test('resumeToken: a valid token answers its user and slides only when its expiry is old enough', async () => {
    const alice = await user('Alice');
    const bob = await user('Bob');
    await store.saveToken('ta', alice.id, 1_000);
    await store.saveToken('tb', bob.id, 1_000);
    await store.saveToken('gone', alice.id, 1_000);
    await store.deleteToken('gone');
    // 1000 is before 4000: it slides to 5000
    assert.equal(await store.resumeToken('ta', 900, 5_000, 4_000), { user: alice, expiresAt: 5_000 });
    assert.equal(await userByToken('ta', 4_999), alice);
    assert.is(await userByToken('ta', 5_000), null, 'valid until the new expiry, not after');
    // 5000 is not before 4500: it stays, and the answer says so
    assert.equal(await store.resumeToken('ta', 1_000, 5_500, 4_500), { user: alice, expiresAt: 5_000 });
    assert.is(await userByToken('ta', 5_000), null, 'not moved');
    // expiry is exclusive, as in a token login: an expired token is not slid
    assert.is(await store.resumeToken('tb', 1_000, 9_000, 8_000), null);
    assert.equal(await userByToken('tb', 999), bob, 'its old expiry is unchanged');
    assert.is(await userByToken('tb', 1_000), null);
    // a revoked or unknown token is not re-created
    assert.is(await store.resumeToken('gone', 0, 9_000, 8_000), null);
    assert.is(await store.resumeToken('nope', 0, 9_000, 8_000), null);
    assert.is(await userByToken('gone', 0), null);
    assert.is(await userByToken('nope', 0), null);
    // revoked after a resume: the next resume fails, with or without a slide
    await store.deleteToken('ta');
    assert.is(await store.resumeToken('ta', 1_000, 5_500, 4_500), null);
    assert.is(await store.resumeToken('ta', 1_000, 9_000, 8_000), null);
  });

  test('resumeToken: concurrent resumes of one token all succeed, with the same new expiry too', async () => {
    const alice = await user('Alice');
    await store.saveToken('t1', alice.id, 10_000);
    const got = await Promise.all([1, 2, 3, 4].map(() => store.resumeToken('t1', 1, 20_000, 19_000)));
    for (const r of got) assert.equal(r, { user: alice, expiresAt: 20_000 });
    assert.equal(await userByToken('t1', 19_999), alice);
  });

  // friends

  test('friend request lifecycle, relation() and requestsOf()', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    assert.is(await store.relation(a.id, b.id), 'none');
    await store.createFriendRequest(a.id, b.id);
    assert.is(await store.relation(a.id, b.id), 'out');
    assert.is(await store.relation(b.id, a.id), 'in');
    await rejectsWith(store.createFriendRequest(a.id, b.id), 'CHAT_ERR_REQUEST_PENDING');
    assert.equal(await store.requestsOf(a.id), [{ id: b.id, name: 'Bob', direction: 'out' }]);
    assert.equal(await store.requestsOf(b.id), [{ id: a.id, name: 'Ann', direction: 'in' }]);
    assert.is(await store.deleteFriendRequest(a.id, b.id), true);
    assert.is(await store.deleteFriendRequest(a.id, b.id), false);
    assert.is(await store.relation(a.id, b.id), 'none');
    assert.equal(await store.requestsOf(b.id), []);
    await rejectsWith(store.acceptFriendRequest(b.id, a.id), 'CHAT_ERR_NO_REQUEST');

    await store.createFriendRequest(a.id, b.id);
    const conv = await store.acceptFriendRequest(b.id, a.id);
    assert.is(await store.relation(a.id, b.id), 'friends');
    assert.is(await store.relation(b.id, a.id), 'friends');
    assert.equal(await store.requestsOf(a.id), []);
    assert.equal(await store.friendsOf(a.id), [{ id: b.id, name: 'Bob' }]);
    assert.equal(await store.friendsOf(b.id), [{ id: a.id, name: 'Ann' }]);
    assert.is(await store.directConversation(a.id, b.id), conv);
    assert.is(await store.directConversation(b.id, a.id), conv);
    assert.equal(await store.memberIds(conv), [a.id, b.id].sort((x, y) => x - y));
    const view = await store.conversationOf(a.id, conv);
    assert.is(view?.kind, 'direct');
    assert.is(view?.peerName, 'Bob');
    assert.is((await store.conversationOf(b.id, conv))?.peerName, 'Ann');

    assert.is(await store.removeFriendship(b.id, a.id), true);
    assert.is(await store.removeFriendship(a.id, b.id), false);
    assert.is(await store.relation(a.id, b.id), 'none');
    assert.is(await store.directConversation(a.id, b.id), null);
    assert.equal(await store.friendsOf(a.id), []);
    assert.equal(await store.friendsOf(b.id), []);
  });

  test('accepting removes requests in both directions', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    await store.createFriendRequest(a.id, b.id);
    await store.createFriendRequest(b.id, a.id);
    await store.createFriendRequest(c.id, a.id);
    await store.acceptFriendRequest(b.id, a.id);
    assert.equal(await store.requestsOf(b.id), []);
    assert.equal(await store.requestsOf(a.id), [{ id: c.id, name: 'Cid', direction: 'in' }]);
    assert.is(await store.relation(a.id, b.id), 'friends');
  });

  test('addFriend: a request, REQUEST_PENDING while it stands, accepted by the other side’s add, then ALREADY_FRIENDS', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    assert.equal(await store.addFriend(a.id, b.id), { status: 'pending', hidden: false });
    assert.is(await store.relation(a.id, b.id), 'out');
    assert.equal(await store.requestsOf(b.id), [{ id: a.id, name: 'Ann', direction: 'in' }]);
    await rejectsWith(store.addFriend(a.id, b.id), 'CHAT_ERR_REQUEST_PENDING');
    const added = await store.addFriend(b.id, a.id);
    assert.is(added.status, 'accepted');
    const conv = added.status === 'accepted' ? added.conversationId : 0;
    assert.is(await store.directConversation(a.id, b.id), conv);
    assert.is(await store.directConversation(b.id, a.id), conv);
    assert.equal(await store.memberIds(conv), [a.id, b.id].sort((x, y) => x - y));
    assert.equal([await store.requestsOf(a.id), await store.requestsOf(b.id)], [[], []]);
    await rejectsWith(store.addFriend(a.id, b.id), 'CHAT_ERR_ALREADY_FRIENDS');
    await rejectsWith(store.addFriend(b.id, a.id), 'CHAT_ERR_ALREADY_FRIENDS');
    await rejectsWith(store.acceptFriendRequest(a.id, b.id), 'CHAT_ERR_ALREADY_FRIENDS');
    // Re-friending through addFriend reuses the conversation, as acceptFriendRequest does.
    assert.ok(await store.removeFriendship(a.id, b.id));
    assert.equal(await store.addFriend(b.id, a.id), { status: 'pending', hidden: false });
    assert.equal(await store.addFriend(a.id, b.id), { status: 'accepted', conversationId: conv });
  });

  test('block ends a friendship both ways and withdraws the blocker\'s request; idempotent; unblock; blockedOf; SELF', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const d = await user('Dee');
    const conv = await befriend(a.id, b.id);
    await store.addFriend(a.id, c.id);
    assert.equal(await store.block(a.id, b.id), { unfriended: true });
    assert.equal(await store.block(a.id, b.id), { unfriended: false }, 'a second block is no error');
    assert.is(await store.directConversation(a.id, b.id), null);
    assert.is(await store.directConversation(b.id, a.id), null);
    assert.equal([await store.friendsOf(a.id), await store.friendsOf(b.id)], [[], []]);
    assert.is(await store.directConversationId(a.id, b.id), conv, 'the conversation and its messages stay');
    assert.equal(await store.block(a.id, c.id), { unfriended: false });
    assert.equal(await store.requestsOf(c.id), [], 'the blocker\'s own request to them is gone');
    assert.equal(await store.blockedOf(a.id), [{ id: b.id, name: 'Bob' }, { id: c.id, name: 'Cid' }]);
    assert.equal(await store.blockedOf(b.id), [], 'a block is one way');
    await rejectsWith(store.block(d.id, d.id), 'CHAT_ERR_SELF');
    assert.equal(await store.blockedOf(d.id), []);
    assert.is(await store.unblock(a.id, c.id), true);
    assert.is(await store.unblock(a.id, c.id), false);
    assert.is(await store.unblock(d.id, a.id), false);
    assert.equal(await store.blockedOf(a.id), [{ id: b.id, name: 'Bob' }]);
    assert.is(await store.directConversation(a.id, b.id), null, 'blocking ended the friendship for good');
  });

  test('a blocked user\'s request is pending on their side only, answered as any; the blocker cannot add them; unblocking shows it', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    await store.block(a.id, b.id);
    assert.equal(await store.addFriend(b.id, a.id), { status: 'pending', hidden: true });
    await rejectsWith(store.addFriend(b.id, a.id), 'CHAT_ERR_REQUEST_PENDING');
    assert.is(await store.relation(b.id, a.id), 'out');
    assert.equal(await store.requestsOf(b.id), [{ id: a.id, name: 'Ann', direction: 'out' }]);
    assert.equal(await store.requestsOf(a.id), []);
    assert.is(await store.relation(a.id, b.id), 'none');
    await rejectsWith(store.acceptFriendRequest(a.id, b.id), 'CHAT_ERR_NO_REQUEST');
    await rejectsWith(store.addFriend(a.id, b.id), 'CHAT_ERR_USER_BLOCKED');
    assert.is(await store.directConversation(a.id, b.id), null);
    assert.ok(await store.unblock(a.id, b.id));
    assert.equal(await store.requestsOf(a.id), [{ id: b.id, name: 'Bob', direction: 'in' }]);
    assert.is((await store.addFriend(a.id, b.id)).status, 'accepted');
  });

  test('unread leaves out the messages of senders the member blocked, and counts them again after unblocking', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const d = await user('Dee');
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await store.joinGroup(g.id, c.id);
    await store.joinGroup(g.id, d.id);
    const gc = g.conversationId;
    await send(msg(gc, b.id, 'b1'), msg(gc, c.id, 'c1'), msg(gc, b.id, 'b2'), msg(gc, c.id, 'c2'));
    assert.is((await store.conversationOf(a.id, gc))?.unread, 4);
    await store.block(a.id, b.id);
    assert.is((await store.conversationOf(a.id, gc))?.unread, 2);
    assert.is((await store.conversationsOf(a.id))[0]?.unread, 2);
    assert.is((await store.conversationOf(d.id, gc))?.unread, 4, 'only the blocker\'s count changes');
    await store.moveRead(gc, a.id, 2);
    assert.is((await store.conversationOf(a.id, gc))?.unread, 1);
    await store.unblock(a.id, b.id);
    assert.is((await store.conversationOf(a.id, gc))?.unread, 2);
  });

  test('reaction counts leave out the reactions of users the viewer blocked', async () => {
    const { a, b, c, g } = await groupOfThree();
    const gc = g.conversationId;
    await send(msg(gc, a.id, 'hi'));
    for (const who of [b.id, c.id]) {
      await store.appendEvent({ conversationId: gc, senderId: who, kind: 'reaction', target: 1, text: '👍', remove: false, clientMsgId: null, ts: 5 });
    }
    assert.equal(await store.reactionsOf(gc, 1, 1, a.id), [{ seq: 1, emoji: '👍', count: 2, me: false }]);
    await store.block(a.id, b.id);
    assert.equal(await store.reactionsOf(gc, 1, 1, a.id), [{ seq: 1, emoji: '👍', count: 1, me: false }]);
    assert.equal(await store.reactionsOf(gc, 1, 1, c.id), [{ seq: 1, emoji: '👍', count: 2, me: true }], 'only the blocker\'s view');
  });

  test('the mention count leaves out mentions by senders the member blocked, and counts them again after unblocking', async () => {
    const { a, b, c, g } = await groupOfThree();
    const gc = g.conversationId;
    await send({ ...msg(gc, b.id, 'ann?'), mentions: [a.id] }, { ...msg(gc, c.id, 'ann!'), mentions: [a.id] });
    const counts = async () => { const v = await store.conversationOf(a.id, gc); return [v?.unread, v?.mentions]; };
    assert.equal(await counts(), [2, 2]);
    await store.block(a.id, b.id);
    assert.equal(await counts(), [1, 1]);
    await store.unblock(a.id, b.id);
    assert.equal(await counts(), [2, 2]);
  });

  test('crossed adds at the same moment end as one friendship, seen the same way from both sides', async () => {
    // Every pair of 8 users adds each other at once, from both ends: 56 calls in flight, which
    // a networked store runs on several connections at the same time.
    const users = await Promise.all(range(1, 8).map((i) => user(`U${i}`)));
    const pairs = users.flatMap((a, i) => users.slice(i + 1).map((b) => [a, b] as const));
    const added = await Promise.all(pairs.map(([a, b]) => Promise.all([store.addFriend(a.id, b.id), store.addFriend(b.id, a.id)])));
    for (const [i, [a, b]] of pairs.entries()) {
      const pair = `${a.name}/${b.name}`;
      const statuses = added[i]!.map((r) => r.status).sort();
      assert.equal(statuses, ['accepted', 'pending'], `${pair}: one request and its acceptance, not two requests`);
      assert.equal([await store.relation(a.id, b.id), await store.relation(b.id, a.id)], ['friends', 'friends'], pair);
      const conv = added[i]!.find((r) => r.status === 'accepted')! as { conversationId: number };
      assert.is(await store.directConversation(a.id, b.id), conv.conversationId, pair);
      assert.is(await store.directConversation(b.id, a.id), conv.conversationId, pair);
    }
    for (const u of users) {
      assert.equal(await store.requestsOf(u.id), [], `${u.name} has no request left`);
      assert.is((await store.friendsOf(u.id)).length, users.length - 1, `${u.name} is friends with everyone`);
    }
  });

  test('a pair whose requests crossed before addFriend existed becomes friends on the next add, from either side', async () => {
    for (const first of [0, 1]) {
      const a = await user(`Ann${first}`);
      const b = await user(`Bob${first}`);
      await store.createFriendRequest(a.id, b.id);
      await store.createFriendRequest(b.id, a.id);
      const [me, other] = first === 0 ? [a, b] : [b, a];
      const added = await store.addFriend(me.id, other.id);
      assert.is(added.status, 'accepted');
      assert.equal([await store.relation(a.id, b.id), await store.requestsOf(a.id), await store.requestsOf(b.id)], ['friends', [], []]);
    }
  });

  test('re-friending reuses the direct conversation and keeps both cursors', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(...range(1, 4).map((i) => msg(conv, b.id, `m${i}`)));
    await store.moveDelivered(conv, a.id, 4);
    await store.moveRead(conv, a.id, 2);
    await store.moveDelivered(conv, b.id, 3);
    assert.ok(await store.removeFriendship(a.id, b.id));
    const again = await befriend(b.id, a.id);
    assert.is(again, conv);
    const va = await store.conversationOf(a.id, conv);
    const vb = await store.conversationOf(b.id, conv);
    assert.equal([va?.delivered, va?.read, va?.lastSeq], [4, 2, 4]);
    assert.equal([vb?.delivered, vb?.read, vb?.lastSeq], [3, 4, 4]);
    assert.equal(await seqsOf(conv), [1, 2, 3, 4]);
  });

  test('directConversationId: null before the first friendship, then the same id for good', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    assert.is(await store.directConversationId(a.id, b.id), null);
    const conv = await befriend(a.id, b.id);
    assert.is(await store.directConversationId(a.id, b.id), conv);
    assert.is(await store.directConversationId(b.id, a.id), conv);
    assert.ok(await store.removeFriendship(b.id, a.id));
    assert.is(await store.directConversationId(a.id, b.id), conv, 'it outlives the friendship');
    assert.is(await store.directConversation(a.id, b.id), null);
  });

  test('a direct message with friendId is stored only while the friendship stands at commit', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const conv = await befriend(a.id, b.id);
    const other = await befriend(a.id, c.id);
    const direct = (text: string, friendId: number, clientMsgId: string | null = null) =>
      ({ ...msg(conv, a.id, text, clientMsgId), friendId });
    assert.equal(await send(direct('one', b.id, 'k1')), [1]);

    assert.ok(await store.removeFriendship(b.id, a.id));
    const refused = await store.appendMessages([direct('after unfriending', b.id), { ...msg(other, a.id, 'to Cid'), friendId: c.id }]);
    assert.is(!refused[0]!.ok && (refused[0]!.error as { code?: unknown }).code, 'CHAT_ERR_NOT_FRIENDS');
    assert.equal(refused[1], { ok: true, seq: 1, ts: (refused[1] as { ts: number }).ts, duplicate: false }, 'the rest of the batch is stored');
    const [retry] = await store.appendMessages([direct('one', b.id, 'k1')]);
    assert.is(retry!.ok && retry!.duplicate, true, 'a retry of a message stored before is still its duplicate');
    assert.equal(await seqsOf(conv), [1], 'nothing stored, no seq taken');
    assert.is((await store.conversationOf(a.id, conv))?.lastSeq, 1);

    assert.is(await befriend(b.id, a.id), conv);
    assert.equal(await send(direct('two', b.id)), [2]);
    // A friendId that is not the sender's friend (here: the sender) is refused even for a member.
    const [wrong] = await store.appendMessages([direct('three', a.id)]);
    assert.is(!wrong!.ok && (wrong!.error as { code?: unknown }).code, 'CHAT_ERR_NOT_FRIENDS');
  });

  // groups

  test('createGroup and groupByKey; group keys are unique', async () => {
    const a = await user('Ann');
    const g = await store.createGroup('Rust Fans', 'rust fans', 'about rust', a.id);
    assert.equal(g, { id: g.id, name: 'Rust Fans', desc: 'about rust', creatorId: a.id, conversationId: g.conversationId, private: false, history: 'shared' });
    assert.equal(await store.groupByKey('rust fans'), g);
    assert.is(await store.groupByKey('nope'), null);
    await rejectsWith(store.createGroup('RUST FANS', 'rust fans', '', a.id), 'CHAT_ERR_GROUP_TAKEN');
    assert.equal(await store.groupMembers(g.id), [{ id: a.id, name: 'Ann', role: 'creator' }]);
    assert.equal(await store.groupsOf(a.id), [{ name: 'Rust Fans', desc: 'about rust', role: 'creator', members: 1, private: false, history: 'shared' }]);
    assert.equal(await store.memberIds(g.conversationId), [a.id]);
    const view = await store.conversationOf(a.id, g.conversationId);
    assert.equal(view, { conversationId: g.conversationId, kind: 'group', groupName: 'Rust Fans', delivered: 0, read: 0, lastSeq: 0, unread: 0, mentions: 0, notify: 'all', visibleAfter: 0 });
  });

  test('joinGroup starts both cursors at the current seq', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const g = await store.createGroup('G', 'g', '', a.id);
    await send(msg(g.conversationId, a.id, 'x'), msg(g.conversationId, a.id, 'y'), msg(g.conversationId, a.id, 'z'));
    assert.is(await store.joinGroup(g.id, b.id), 3);
    const view = await store.conversationOf(b.id, g.conversationId);
    assert.equal([view?.delivered, view?.read, view?.lastSeq, view?.unread], [3, 3, 3, 0]);
    await rejectsWith(store.joinGroup(g.id, b.id), 'CHAT_ERR_ALREADY_MEMBER');
    await rejectsWith(store.joinGroup(g.id, a.id), 'CHAT_ERR_ALREADY_MEMBER');
    assert.equal(await store.groupsOf(b.id), [{ name: 'G', desc: '', role: 'member', members: 2, private: false, history: 'shared' }]);
    assert.equal(await store.groupMembers(g.id), [
      { id: a.id, name: 'Ann', role: 'creator' },
      { id: b.id, name: 'Bob', role: 'member' },
    ]);
    await send(msg(g.conversationId, a.id, 'after join'));
    assert.is((await store.conversationOf(b.id, g.conversationId))?.unread, 1);
  });

  test('memberIds follows every join and leave at once, also when read in between', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const g = await store.createGroup('G', 'g', '', a.id);
    const conv = g.conversationId;
    const ids = (...users: UserRow[]) => users.map((u) => u.id).sort((x, y) => x - y);
    assert.equal(await store.memberIds(conv), ids(a));
    await store.joinGroup(g.id, b.id);
    assert.equal(await store.memberIds(conv), ids(a, b));
    await store.joinGroup(g.id, c.id);
    assert.equal(await store.memberIds(conv), ids(a, b, c));
    await store.leaveGroup(g.id, b.id);
    assert.equal(await store.memberIds(conv), ids(a, c));
    await store.leaveGroup(g.id, a.id);
    await store.leaveGroup(g.id, c.id);
    assert.equal(await store.memberIds(conv), [], 'the group is gone');
    const direct = await befriend(b.id, c.id);
    assert.equal(await store.memberIds(direct), ids(b, c));
  });

  test('creator succession by join order, and the last member deletes the group', async () => {
    const a = await user('Ann');
    const late = await user('Cid'); // lower id than Bob, but joins after him
    const b = await user('Bob');
    const g = await store.createGroup('G', 'g', '', a.id);
    const conv = g.conversationId;
    await store.joinGroup(g.id, b.id);
    await sleep(5);
    await store.joinGroup(g.id, late.id);
    await send(msg(conv, a.id, 'hello'));

    assert.equal(await store.leaveGroup(g.id, a.id), { deleted: false, newCreatorId: b.id });
    assert.is((await store.groupByKey('g'))?.creatorId, b.id);
    assert.equal(await store.groupMembers(g.id), [
      { id: b.id, name: 'Bob', role: 'creator' },
      { id: late.id, name: 'Cid', role: 'member' },
    ]);
    assert.is(await store.conversationOf(a.id, conv), null);
    await rejectsWith(store.leaveGroup(g.id, a.id), 'CHAT_ERR_NOT_MEMBER');

    assert.equal(await store.leaveGroup(g.id, late.id), { deleted: false, newCreatorId: null });
    assert.equal(await store.leaveGroup(g.id, b.id), { deleted: true, newCreatorId: null });
    assert.is(await store.groupByKey('g'), null);
    assert.equal(await store.groupsOf(b.id), []);
    assert.equal(await store.memberIds(conv), []);
    assert.equal(await store.messagesAfter(conv, 0, 100), []);
    assert.is(await store.conversationOf(b.id, conv), null);

    const again = await store.createGroup('G', 'g', 'second life', late.id);
    assert.is.not(again.conversationId, conv);
    assert.is((await store.conversationOf(late.id, again.conversationId))?.lastSeq, 0);
  });

  // roles, privacy, invitations, bans, history visibility (rules: lib/db/group-rules.ts)

  const roles = async (groupId: number) => (await store.groupMembers(groupId)).map((m) => `${m.name}:${m.role}`);

  test('the creator makes and unmakes admins and hands its role on; admins and members may not', async () => {
    const [a, b, c] = [await user('Ann'), await user('Bob'), await user('Cid')];
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await store.joinGroup(g.id, c.id);
    await store.setGroupRole(g.id, a.id, b.id, 'admin');
    assert.equal(await roles(g.id), ['Ann:creator', 'Bob:admin', 'Cid:member']);
    await rejectsWith(store.setGroupRole(g.id, b.id, c.id, 'admin'), 'CHAT_ERR_FORBIDDEN');
    await rejectsWith(store.setGroupRole(g.id, c.id, b.id, 'member'), 'CHAT_ERR_FORBIDDEN');
    await rejectsWith(store.setGroupRole(g.id, a.id, a.id, 'member'), 'CHAT_ERR_SELF');
    const outsider = await user('Out');
    await rejectsWith(store.setGroupRole(g.id, a.id, outsider.id, 'admin'), 'CHAT_ERR_USER_NOT_MEMBER');
    await rejectsWith(store.setGroupRole(g.id, outsider.id, c.id, 'admin'), 'CHAT_ERR_NOT_MEMBER');
    await rejectsWith(store.transferGroup(g.id, b.id, c.id), 'CHAT_ERR_FORBIDDEN');
    await store.transferGroup(g.id, a.id, c.id);
    assert.equal(await roles(g.id), ['Ann:admin', 'Bob:admin', 'Cid:creator']);
    assert.is((await store.groupByKey('g'))?.creatorId, c.id);
    await store.setGroupRole(g.id, c.id, a.id, 'member');
    assert.equal(await roles(g.id), ['Ann:member', 'Bob:admin', 'Cid:creator']);
    assert.equal((await store.groupsOf(b.id)).map((x) => x.role), ['admin']);
  });

  test('the creator leaving: the earliest-joined admin succeeds, else the earliest-joined member', async () => {
    const a = await user('Ann');
    const m1 = await user('Mia');
    const late = await user('Ada'); // joins after Mia but becomes admin
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, m1.id);
    await sleep(5);
    await store.joinGroup(g.id, late.id);
    await store.setGroupRole(g.id, a.id, late.id, 'admin');
    assert.equal(await store.leaveGroup(g.id, a.id), { deleted: false, newCreatorId: late.id });
    assert.equal(await roles(g.id), ['Mia:member', 'Ada:creator']);
    assert.equal(await store.leaveGroup(g.id, late.id), { deleted: false, newCreatorId: m1.id });
    assert.equal(await roles(g.id), ['Mia:creator']);
  });

  test('a private group is to outsiders what a missing group is; an invitation opens it', async () => {
    const [a, b, c] = [await user('Ann'), await user('Bob'), await user('Cid')];
    const g = await store.createGroup('Secret', 'secret', 'shh', a.id, { private: true });
    assert.equal([g.private, g.history], [true, 'joined']);
    assert.is(await store.groupFor('secret', b.id), null);
    assert.is(await store.groupFor('nope', b.id), null);
    assert.equal((await store.groupFor('secret', a.id))?.role, 'creator');
    await rejectsWith(store.joinGroup(g.id, b.id), 'CHAT_ERR_NO_SUCH_GROUP');
    await rejectsWith(store.inviteToGroup(g.id, b.id, c.id), 'CHAT_ERR_NO_SUCH_GROUP');
    await store.inviteToGroup(g.id, a.id, b.id);
    await store.inviteToGroup(g.id, a.id, b.id); // again: kept, not doubled
    assert.equal(await store.invitesOf(b.id), [{ group: 'Secret', desc: 'shh', from: 'Ann' }]);
    const seen = await store.groupFor('secret', b.id);
    assert.equal([seen?.role, seen?.invited, seen?.banned], [null, true, false]);
    await rejectsWith(store.inviteToGroup(g.id, b.id, c.id), 'CHAT_ERR_NOT_MEMBER');
    await store.joinGroup(g.id, b.id);
    assert.equal(await store.invitesOf(b.id), [], 'joining uses the invitation up');
    await rejectsWith(store.inviteToGroup(g.id, b.id, c.id), 'CHAT_ERR_FORBIDDEN');
    await rejectsWith(store.inviteToGroup(g.id, a.id, b.id), 'CHAT_ERR_USER_ALREADY_MEMBER');
    await rejectsWith(store.inviteToGroup(g.id, a.id, a.id), 'CHAT_ERR_SELF');
    await store.inviteToGroup(g.id, a.id, c.id);
    await store.declineInvite(g.id, c.id);
    assert.equal(await store.invitesOf(c.id), []);
    await rejectsWith(store.declineInvite(g.id, c.id), 'CHAT_ERR_NO_SUCH_GROUP'); // declined: hidden again
    assert.is(await store.groupFor('secret', c.id), null);
    const pub = await store.createGroup('Open', 'open', '', a.id);
    await rejectsWith(store.declineInvite(pub.id, c.id), 'CHAT_ERR_NO_INVITE');
  });

  test('settings: topic, public and private, history; only moderators', async () => {
    const [a, b, c] = [await user('Ann'), await user('Bob'), await user('Cid')];
    const g = await store.createGroup('G', 'g', 'old', a.id);
    await store.joinGroup(g.id, b.id);
    await store.joinGroup(g.id, c.id);
    await store.setGroupRole(g.id, a.id, b.id, 'admin');
    assert.equal(await store.updateGroup(g.id, b.id, { desc: 'new' }), { ...g, desc: 'new' });
    await rejectsWith(store.updateGroup(g.id, c.id, { desc: 'mine' }), 'CHAT_ERR_FORBIDDEN');
    const priv = await store.updateGroup(g.id, b.id, { private: true, history: 'joined' });
    assert.equal([priv.desc, priv.private, priv.history], ['new', true, 'joined']);
    assert.equal(await store.groupByKey('g'), priv);
    assert.equal((await store.groupsOf(c.id)).map((x) => [x.desc, x.private, x.history]), [['new', true, 'joined']]);
    assert.is(await store.groupFor('g', (await user('Dan')).id), null);
  });

  test('kick and ban: admins act on members only, the creator on admins too; a ban keeps them out', async () => {
    const [a, b, c, d] = [await user('Ann'), await user('Bob'), await user('Cid'), await user('Dan')];
    const g = await store.createGroup('G', 'g', '', a.id);
    for (const u of [b, c, d]) await store.joinGroup(g.id, u.id);
    await store.setGroupRole(g.id, a.id, b.id, 'admin');
    await store.setGroupRole(g.id, a.id, d.id, 'admin');
    await rejectsWith(store.removeFromGroup(g.id, b.id, a.id, false), 'CHAT_ERR_FORBIDDEN');
    await rejectsWith(store.removeFromGroup(g.id, b.id, d.id, true), 'CHAT_ERR_FORBIDDEN');
    await rejectsWith(store.removeFromGroup(g.id, c.id, b.id, false), 'CHAT_ERR_FORBIDDEN');
    await rejectsWith(store.removeFromGroup(g.id, b.id, b.id, false), 'CHAT_ERR_SELF');
    assert.equal(await store.removeFromGroup(g.id, b.id, c.id, false), { wasMember: true });
    assert.equal(await roles(g.id), ['Ann:creator', 'Bob:admin', 'Dan:admin']);
    await rejectsWith(store.removeFromGroup(g.id, b.id, c.id, false), 'CHAT_ERR_USER_NOT_MEMBER');
    await store.joinGroup(g.id, c.id); // a kick is not a ban
    assert.equal(await store.removeFromGroup(g.id, b.id, c.id, true), { wasMember: true });
    await rejectsWith(store.joinGroup(g.id, c.id), 'CHAT_ERR_BANNED');
    await rejectsWith(store.inviteToGroup(g.id, a.id, c.id), 'CHAT_ERR_USER_BANNED');
    await rejectsWith(store.removeFromGroup(g.id, a.id, c.id, true), 'CHAT_ERR_ALREADY_BANNED');
    assert.equal(await store.removeFromGroup(g.id, a.id, d.id, true), { wasMember: true }, 'the creator bans an admin');
    const e = await user('Eve');
    await store.inviteToGroup(g.id, a.id, e.id);
    assert.equal(await store.removeFromGroup(g.id, a.id, e.id, true), { wasMember: false }, 'a ban before they ever join');
    assert.equal(await store.invitesOf(e.id), [], 'the ban drops the invitation');
    await rejectsWith(store.unbanFromGroup(g.id, a.id, b.id), 'CHAT_ERR_NOT_BANNED');
    await store.unbanFromGroup(g.id, b.id, c.id);
    await store.joinGroup(g.id, c.id);
    assert.equal(await roles(g.id), ['Ann:creator', 'Bob:admin', 'Cid:member']);
    assert.is(await store.conversationOf(d.id, g.conversationId), null);
    assert.equal(await store.memberIds(g.conversationId), [a.id, b.id, c.id].sort((x, y) => x - y));
  });

  test('history visibility is recorded per join: a rejoin starts from the rejoin; a switch applies to later joins', async () => {
    const [a, b, c] = [await user('Ann'), await user('Bob'), await user('Cid')];
    const g = await store.createGroup('G', 'g', '', a.id, { private: true });
    const conv = g.conversationId;
    await send(msg(conv, a.id, '1'), msg(conv, a.id, '2'));
    await store.inviteToGroup(g.id, a.id, b.id);
    await store.joinGroup(g.id, b.id);
    assert.is((await store.conversationOf(b.id, conv))?.visibleAfter, 2);
    await send(msg(conv, a.id, '3'));
    await store.leaveGroup(g.id, b.id);
    await send(msg(conv, a.id, '4'));
    await store.inviteToGroup(g.id, a.id, b.id);
    await store.joinGroup(g.id, b.id);
    assert.is((await store.conversationOf(b.id, conv))?.visibleAfter, 4, 'the rejoin starts from the rejoin');
    await store.updateGroup(g.id, a.id, { history: 'shared' });
    assert.is((await store.conversationOf(b.id, conv))?.visibleAfter, 4, 'members keep the view they joined with');
    await store.inviteToGroup(g.id, a.id, c.id);
    await store.joinGroup(g.id, c.id);
    assert.is((await store.conversationOf(c.id, conv))?.visibleAfter, 0);
    assert.is((await store.conversationOf(a.id, conv))?.visibleAfter, 0);
    // Who may not see a seq: those whose view starts at or after it.
    assert.equal(await store.membersNotSeeing(conv, 4), [b.id]);
    assert.equal(await store.membersNotSeeing(conv, 5), []);
    assert.equal(await store.membersNotSeeing(conv, 1), [b.id]);
  });

  test('publicGroups: public ones only, by key, with a prefix and pages', async () => {
    const a = await user('Ann');
    for (const name of ['dev', 'Design', 'devops', 'art', 'deß']) await store.createGroup(name, name.toLowerCase(), `about ${name}`, a.id);
    await store.createGroup('deep', 'deep', '', a.id, { private: true });
    const g = (await store.groupByKey('dev'))!;
    await store.joinGroup(g.id, (await user('Bob')).id);
    const keys = async (prefix: string, after = '', limit = 10) => (await store.publicGroups(prefix, after, limit)).map((r) => r.key);
    // Keys compare as UTF-8 bytes, code point order: ß (U+00DF) after every ASCII letter.
    assert.equal(await keys(''), ['art', 'design', 'dev', 'devops', 'deß']);
    assert.equal(await keys('de'), ['design', 'dev', 'devops', 'deß']);
    assert.equal(await keys('deß'), ['deß']);
    assert.equal(await keys('dev'), ['dev', 'devops']);
    assert.equal(await keys('de', 'design', 2), ['dev', 'devops']);
    assert.equal(await keys('de', 'devops', 1), ['deß']);
    assert.equal(await keys('x'), []);
    assert.equal((await store.publicGroups('dev', '', 1))[0], { key: 'dev', name: 'dev', desc: 'about dev', members: 2 });
  });

  test('deleteGroup: only the creator, or an operator; everything of the group goes and the name is free', async () => {
    const [a, b, c] = [await user('Ann'), await user('Bob'), await user('Cid')];
    const g = await store.createGroup('G', 'g', '', a.id, { private: true });
    await store.inviteToGroup(g.id, a.id, b.id);
    await store.joinGroup(g.id, b.id);
    await store.setGroupRole(g.id, a.id, b.id, 'admin');
    await store.inviteToGroup(g.id, a.id, c.id);
    const d = await user('Dan');
    await store.removeFromGroup(g.id, a.id, d.id, true);
    await send(msg(g.conversationId, a.id, 'x'));
    await rejectsWith(store.deleteGroup(g.id, b.id), 'CHAT_ERR_FORBIDDEN');
    await rejectsWith(store.deleteGroup(g.id, d.id), 'CHAT_ERR_NO_SUCH_GROUP');
    assert.equal((await store.deleteGroup(g.id, a.id)).sort((x, y) => x - y), [a.id, b.id].sort((x, y) => x - y));
    assert.is(await store.groupByKey('g'), null);
    assert.equal(await store.invitesOf(c.id), []);
    assert.equal(await store.memberIds(g.conversationId), []);
    assert.equal(await store.messagesAfter(g.conversationId, 0, 10), []);
    await rejectsWith(store.deleteGroup(g.id), 'CHAT_ERR_NO_SUCH_GROUP');
    const again = await store.createGroup('G', 'g', '', c.id);
    await store.joinGroup(again.id, d.id); // the old ban went with the old group
    assert.equal(await store.deleteGroup(again.id), [c.id, d.id].sort((x, y) => x - y), 'an operator deletes any group');
  });

  // messages

  test('appendMessages keeps batch order, per conversation', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const direct = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    const results = await store.appendMessages([
      msg(direct, a.id, 'd1', null, 100),
      msg(g.conversationId, a.id, 'g1', 'c-g1', 101),
      msg(direct, b.id, 'd2', 'c-d2', 102),
      msg(direct, a.id, 'd3', null, 103),
      msg(g.conversationId, a.id, 'g2', null, 104),
    ]);
    assert.equal(results, [
      { ok: true, seq: 1, ts: 100, duplicate: false },
      { ok: true, seq: 1, ts: 101, duplicate: false },
      { ok: true, seq: 2, ts: 102, duplicate: false },
      { ok: true, seq: 3, ts: 103, duplicate: false },
      { ok: true, seq: 2, ts: 104, duplicate: false },
    ]);
    assert.equal(await store.messagesAfter(direct, 0, 10), [
      { conversationId: direct, seq: 1, senderId: a.id, senderName: 'Ann', text: 'd1', ts: 100, clientMsgId: null, ...PLAIN },
      { conversationId: direct, seq: 2, senderId: b.id, senderName: 'Bob', text: 'd2', ts: 102, clientMsgId: 'c-d2', ...PLAIN },
      { conversationId: direct, seq: 3, senderId: a.id, senderName: 'Ann', text: 'd3', ts: 103, clientMsgId: null, ...PLAIN },
    ]);
    assert.equal((await store.messagesAfter(g.conversationId, 0, 10)).map((m) => m.text), ['g1', 'g2']);
    assert.equal(await store.appendMessages([]), []);
  });

  test('seqs are contiguous: 1..N with no gaps or duplicates', async () => {
    const a = await user('Ann');
    const g = await store.createGroup('G', 'g', '', a.id);
    const all: number[] = [];
    for (let i = 0; i < 20; i++) {
      const batch = range(1, 1 + (i % 7)).map((j) => msg(g.conversationId, a.id, `${i}.${j}`));
      all.push(...(await send(...batch)));
    }
    assert.equal(all, range(1, all.length));
    assert.equal(await seqsOf(g.conversationId), range(1, all.length));
    assert.is((await store.conversationOf(a.id, g.conversationId))?.lastSeq, all.length);
  });

  test('a repeated clientMsgId is a duplicate with the original seq and ts, and takes no seq', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    assert.equal(await store.appendMessages([msg(conv, a.id, 'first', 'm1', 100)]), [{ ok: true, seq: 1, ts: 100, duplicate: false }]);
    // Across batches (a retry after a lost ack) ...
    assert.equal(await store.appendMessages([msg(conv, a.id, 'retry', 'm1', 200)]), [{ ok: true, seq: 1, ts: 100, duplicate: true }]);
    // ... and within one batch.
    assert.equal(await store.appendMessages([
      msg(conv, a.id, 'two', 'm2', 300),
      msg(conv, a.id, 'two again', 'm2', 301),
      msg(conv, a.id, 'one again', 'm1', 302),
      msg(conv, b.id, 'same id, other sender', 'm2', 303),
      msg(conv, a.id, 'no id', null, 304),
      msg(conv, a.id, 'no id', null, 305),
    ]), [
      { ok: true, seq: 2, ts: 300, duplicate: false },
      { ok: true, seq: 2, ts: 300, duplicate: true },
      { ok: true, seq: 1, ts: 100, duplicate: true },
      { ok: true, seq: 3, ts: 303, duplicate: false },
      { ok: true, seq: 4, ts: 304, duplicate: false },
      { ok: true, seq: 5, ts: 305, duplicate: false },
    ]);
    assert.equal(await send(msg(conv, a.id, 'next', 'm3')), [6]);
    const stored = await store.messagesAfter(conv, 0, 100);
    assert.equal(stored.map((m) => m.seq), range(1, 6));
    assert.equal(stored.map((m) => m.text), ['first', 'two', 'same id, other sender', 'no id', 'no id', 'next']);
  });

  test('a clientMsgId reused for another conversation is refused, never reported as a duplicate', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    assert.equal(await send(msg(g.conversationId, a.id, 'to the group', 'k')), [1]);
    const [reused] = await store.appendMessages([msg(conv, a.id, 'to bob', 'k')]);
    assert.is(reused!.ok, false);
    assert.is(!reused!.ok && (reused!.error as { code?: string }).code, 'CHAT_ERR_CLIENT_MSG_ID_REUSED');
    assert.equal(await store.messagesAfter(conv, 0, 10), []);
    assert.equal(await send(msg(conv, a.id, 'to bob', 'k2')), [1], 'no seq was consumed');
  });

  test('a retry beside new messages in one batch: the new ones are stored and indexed once, the retry takes no seq', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    assert.equal(await send(msg(conv, a.id, 'stored qv', 's1', 100)), [1]);
    assert.equal(await store.appendMessages([
      msg(conv, a.id, 'new kx one', 'n1', 200),
      msg(conv, a.id, 'stored qv again', 's1', 201),
      msg(conv, a.id, 'new kx two', 'n2', 202),
    ]), [
      { ok: true, seq: 2, ts: 200, duplicate: false },
      { ok: true, seq: 1, ts: 100, duplicate: true },
      { ok: true, seq: 3, ts: 202, duplicate: false },
    ]);
    assert.equal((await store.messagesAfter(conv, 0, 10)).map((m) => m.text), ['stored qv', 'new kx one', 'new kx two']);
    assert.equal((await store.searchMessages({ userId: b.id, plan: planSearch('kx')!, limit: 10 })).messages.map((m) => m.seq), [3, 2]);
    assert.equal((await store.searchMessages({ userId: b.id, plan: planSearch('qv')!, limit: 10 })).messages.map((m) => m.seq), [1]);
    assert.equal(await send(msg(conv, a.id, 'next', 'n3')), [4]);
  });

  test('a retry is answered as the duplicate it is after its sender has left the group', async () => {
    const { a, b, g } = await groupOfThree();
    assert.equal(await send(msg(g.conversationId, b.id, 'before leaving', 'r1', 100)), [1]);
    await store.leaveGroup(g.id, b.id);
    assert.equal(await store.appendMessages([msg(g.conversationId, b.id, 'before leaving', 'r1', 200)]), [{ ok: true, seq: 1, ts: 100, duplicate: true }]);
    const [late] = await store.appendMessages([msg(g.conversationId, b.id, 'after leaving', 'r2', 300)]);
    assert.is(!late!.ok && (late!.error as { code?: string }).code, 'CHAT_ERR_NO_SUCH_CONVERSATION');
    assert.equal(await send(msg(g.conversationId, a.id, 'still one sequence', 'a1')), [2]);
  });

  test('a failing item does not sink the rest of its batch', async () => {
    const a = await user('Ann');
    const outsider = await user('Out');
    const g = await store.createGroup('G', 'g', '', a.id);
    const results = await store.appendMessages([
      msg(g.conversationId, a.id, 'one'),
      msg(987_654, a.id, 'no such conversation'),
      msg(g.conversationId, outsider.id, 'not a member'),
      msg(g.conversationId, a.id, 'two'),
    ]);
    assert.equal(results.map((r) => r.ok), [true, false, false, true]);
    for (const r of results.slice(1, 3)) {
      assert.is(!r.ok && (r.error as { code?: unknown }).code, 'CHAT_ERR_NO_SUCH_CONVERSATION');
    }
    assert.equal(results.map((r) => (r.ok ? r.seq : 0)), [1, 0, 0, 2]);
    assert.equal(await seqsOf(g.conversationId), [1, 2]);
  });

  test('sending moves the sender read cursor, never the delivered cursor', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(msg(conv, a.id, 'x'), msg(conv, a.id, 'y'));
    const va = await store.conversationOf(a.id, conv);
    assert.equal([va?.read, va?.delivered, va?.unread], [2, 0, 0]);
    const vb = await store.conversationOf(b.id, conv);
    assert.equal([vb?.read, vb?.delivered, vb?.unread], [0, 0, 2]);
    await store.moveRead(conv, a.id, 2);
    await send(msg(conv, b.id, 'z'));
    assert.equal((await store.conversationOf(a.id, conv))?.read, 2);
    assert.equal((await store.conversationOf(b.id, conv))?.read, 3);
  });

  test('unread: a deleted message stops counting for those who had not read it, and nothing changes for those who had', async () => {
    const { a, b, c, g } = await groupOfThree();
    const gc = g.conversationId;
    const [s1, s2, s3] = await send(msg(gc, a.id, 'one'), msg(gc, a.id, 'two'), msg(gc, a.id, 'three'));
    await store.moveRead(gc, c.id, s2!);
    const counts = async () => [(await store.conversationOf(b.id, gc))?.unread, (await store.conversationOf(c.id, gc))?.unread];
    assert.equal(await counts(), [3, 1]);
    const del = (seq: number) => store.appendEvent({ conversationId: gc, senderId: a.id, kind: 'delete', target: seq, text: '', clientMsgId: null, ts: 9 });
    await del(s1!);
    assert.equal(await counts(), [2, 1], 'Cid had read it: his count stays');
    await del(s3!);
    assert.equal(await counts(), [1, 0]);
    assert.equal((await store.conversationsOf(b.id)).map((r) => r.unread), [1]);
    // A blocked sender's deleted message is subtracted once, not twice.
    await store.block(b.id, a.id);
    assert.equal(await counts(), [0, 0]);
    await store.unblock(b.id, a.id);
    assert.equal(await counts(), [1, 0]);
    await send(msg(gc, c.id, 'four'));
    assert.equal(await counts(), [2, 0], 'new messages count as before');
  });

  test('unread counts only others’ messages after the read cursor', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const direct = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await store.joinGroup(g.id, c.id);
    await send(
      msg(direct, b.id, 'b1'), msg(direct, a.id, 'a1'), msg(direct, b.id, 'b2'), msg(direct, b.id, 'b3'),
      msg(g.conversationId, b.id, 'gb1'), msg(g.conversationId, c.id, 'gc1'), msg(g.conversationId, a.id, 'ga1'),
    );
    // a's read cursor moved to 2 on send, so b1 is no longer unread.
    const views = await store.conversationsOf(a.id);
    assert.equal(views, [
      { conversationId: direct, kind: 'direct', peerName: 'Bob', delivered: 0, read: 2, lastSeq: 4, unread: 2, mentions: 0, notify: 'all', visibleAfter: 0 },
      { conversationId: g.conversationId, kind: 'group', groupName: 'G', delivered: 0, read: 3, lastSeq: 3, unread: 0, mentions: 0, notify: 'all', visibleAfter: 0 },
    ].sort((x, y) => x.conversationId - y.conversationId));
    assert.is((await store.conversationOf(b.id, direct))?.unread, 0);
    assert.is((await store.conversationOf(c.id, g.conversationId))?.unread, 1);
    await store.moveRead(direct, a.id, 3);
    assert.is((await store.conversationOf(a.id, direct))?.unread, 1);
    assert.equal((await store.conversationsOf(c.id)).map((v) => v.conversationId), [g.conversationId]);
    assert.is(await store.conversationOf(c.id, direct), null);
    assert.is(await store.conversationOf(a.id, 987_654), null);
  });

  test('readersOf: the other members in join order, each with whether their read cursor reached seq', async () => {
    const { a, b, c, g } = await groupOfThree();
    await send(msg(g.conversationId, a.id, '1'), msg(g.conversationId, a.id, '2'), msg(g.conversationId, a.id, '3'));
    await store.moveRead(g.conversationId, c.id, 2);
    assert.equal(await store.readersOf(g.conversationId, 2, a.id), [{ name: 'Bob', read: false }, { name: 'Cid', read: true }]);
    assert.equal(await store.readersOf(g.conversationId, 3, a.id), [{ name: 'Bob', read: false }, { name: 'Cid', read: false }]);
    assert.equal(await store.readersOf(g.conversationId, 3, c.id), [{ name: 'Ann', read: true }, { name: 'Bob', read: false }], 'sending moved Ann\'s cursor');
    assert.equal(await store.readersOf(987_654, 1, a.id), []);
  });

  test('setNotifyLevel: per member and conversation, reported by conversationOf(s); NO_SUCH_CONVERSATION for outsiders', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const direct = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await store.setNotifyLevel(g.conversationId, b.id, 'mentions');
    await store.setNotifyLevel(direct, a.id, 'none');
    assert.is((await store.conversationOf(b.id, g.conversationId))?.notify, 'mentions');
    assert.is((await store.conversationOf(a.id, g.conversationId))?.notify, 'all', 'another member keeps their own level');
    assert.is((await store.conversationOf(b.id, direct))?.notify, 'all');
    assert.equal((await store.conversationsOf(a.id)).map((v) => [v.conversationId, v.notify]),
      [[direct, 'none'], [g.conversationId, 'all']].sort((x, y) => (x[0] as number) - (y[0] as number)));
    await store.setNotifyLevel(direct, a.id, 'none'); // the same level again is no error
    await store.setNotifyLevel(direct, a.id, 'all');
    assert.is((await store.conversationOf(a.id, direct))?.notify, 'all');
    for (const [conv, who] of [[g.conversationId, c.id], [direct, c.id], [987_654, a.id]] as const) {
      await rejectsWith(store.setNotifyLevel(conv, who, 'none'), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    }
    // a rejoin is a new membership: it notifies again
    await store.leaveGroup(g.id, b.id);
    await store.joinGroup(g.id, b.id);
    assert.is((await store.conversationOf(b.id, g.conversationId))?.notify, 'all');
  });

  test('cursors only move forward; BAD_CURSOR past the end; NO_SUCH_CONVERSATION for outsiders', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const outsider = await user('Out');
    const conv = await befriend(a.id, b.id);
    await send(...range(1, 5).map((i) => msg(conv, a.id, `m${i}`)));
    for (const move of ['moveDelivered', 'moveRead'] as const) {
      assert.is(await store[move](conv, b.id, 3), 3, move);
      assert.is(await store[move](conv, b.id, 1), 3, move);
      assert.is(await store[move](conv, b.id, 5), 5, move);
      await rejectsWith(store[move](conv, b.id, 6), 'CHAT_ERR_BAD_CURSOR');
      assert.is(await store[move](conv, b.id, 0), 5, move);
      await rejectsWith(store[move](conv, outsider.id, 1), 'CHAT_ERR_NO_SUCH_CONVERSATION');
      await rejectsWith(store[move](987_654, b.id, 0), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    }
    const vb = await store.conversationOf(b.id, conv);
    assert.equal([vb?.delivered, vb?.read, vb?.unread], [5, 5, 0]);
  });

  // appendBatch: the acks and reads of one group commit.
  const delivered = (conversationId: number, userId: number, seq: number): CursorMove => ({ conversationId, userId, kind: 'delivered', seq });
  const readTo = (conversationId: number, userId: number, seq: number): CursorMove => ({ conversationId, userId, kind: 'read', seq });
  const outcomes = (results: MoveResult[]) => results.map((r) => (r.ok ? r.seq : (r.error as { code?: string }).code));
  const cursorsOf = async (userId: number, conv: number) => {
    const v = await store.conversationOf(userId, conv);
    return [v?.delivered, v?.read];
  };

  test('batched cursor moves never go backwards', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(...range(1, 5).map((i) => msg(conv, a.id, `m${i}`)));
    await store.moveDelivered(conv, b.id, 4);
    await store.moveRead(conv, b.id, 3);
    const { messages, moves } = await store.appendBatch([], [delivered(conv, b.id, 2), readTo(conv, b.id, 1), delivered(conv, b.id, 0)]);
    assert.equal(messages, []);
    assert.equal(outcomes(moves), [4, 3, 4]);
    assert.equal(await cursorsOf(b.id, conv), [4, 3]);
    // A later batch lower than an earlier one: still the stored value.
    assert.equal(outcomes((await store.appendBatch([], [readTo(conv, b.id, 5)])).moves), [5]);
    assert.equal(outcomes((await store.appendBatch([], [readTo(conv, b.id, 2), delivered(conv, b.id, 5)])).moves), [5, 5]);
    assert.equal(await cursorsOf(b.id, conv), [5, 5]);
  });

  test('a batched move beyond the last seq is refused with BAD_CURSOR, an outsider with NO_SUCH_CONVERSATION; the rest go on', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const outsider = await user('Out');
    const conv = await befriend(a.id, b.id);
    await send(...range(1, 3).map((i) => msg(conv, a.id, `m${i}`)));
    const { moves } = await store.appendBatch([], [
      delivered(conv, b.id, 2), delivered(conv, b.id, 4), readTo(conv, b.id, 9), delivered(conv, outsider.id, 1),
      readTo(987_654, b.id, 0), readTo(conv, b.id, 3),
    ]);
    assert.equal(outcomes(moves), [2, 'CHAT_ERR_BAD_CURSOR', 'CHAT_ERR_BAD_CURSOR', 'CHAT_ERR_NO_SUCH_CONVERSATION', 'CHAT_ERR_NO_SUCH_CONVERSATION', 3]);
    assert.equal(await cursorsOf(b.id, conv), [2, 3]);
    assert.is(await store.conversationOf(outsider.id, conv), null);
    // The refused seq is the batch's own last seq plus one: it becomes valid once a message takes it.
    const both = await store.appendBatch([msg(conv, a.id, 'm4')], [delivered(conv, b.id, 4), delivered(conv, b.id, 5)]);
    assert.equal(both.messages.map((r) => r.ok && r.seq), [4]);
    assert.equal(outcomes(both.moves), [4, 'CHAT_ERR_BAD_CURSOR']);
    assert.equal(await cursorsOf(b.id, conv), [4, 3]);
  });

  test('moves in a batch with messages: a refused message keeps the rest, and a sender\'s own move joins its read cursor', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const out = await user('Out');
    const conv = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    await send(...range(1, 3).map((i) => msg(conv, b.id, `b${i}`)));
    const { messages, moves } = await store.appendBatch(
      [msg(conv, a.id, 'a4'), msg(g.conversationId, out.id, 'not a member'), msg(g.conversationId, a.id, 'g1')],
      [delivered(conv, a.id, 4), delivered(conv, b.id, 4), readTo(g.conversationId, out.id, 1), readTo(conv, b.id, 2)],
    );
    assert.equal(messages.map((r) => (r.ok ? r.seq : (r.error as { code?: string }).code)), [4, 'CHAT_ERR_NO_SUCH_CONVERSATION', 1]);
    assert.equal(outcomes(moves), [4, 4, 'CHAT_ERR_NO_SUCH_CONVERSATION', 3], 'b read to 3 by its own sends: never backwards');
    assert.equal(await cursorsOf(a.id, conv), [4, 4], 'the sender: delivered by its move, read by its send');
    assert.equal(await cursorsOf(b.id, conv), [4, 3]);
    assert.equal(await cursorsOf(a.id, g.conversationId), [0, 1]);
  });

  test('many moves in one batch fold to the highest per conversation, user and kind', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const direct = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await store.joinGroup(g.id, c.id);
    await send(...range(1, 40).map((i) => msg(i % 2 === 0 ? direct : g.conversationId, a.id, `m${i}`)));
    const targets = [
      { conv: direct, userId: b.id, kind: 'delivered' as const, top: 20 },
      { conv: direct, userId: b.id, kind: 'read' as const, top: 7 },
      { conv: g.conversationId, userId: b.id, kind: 'delivered' as const, top: 13 },
      { conv: g.conversationId, userId: c.id, kind: 'delivered' as const, top: 20 },
      { conv: g.conversationId, userId: c.id, kind: 'read' as const, top: 19 },
    ];
    // Every seq from 1 to top for every target, interleaved, with each target's top in the middle.
    const moves: CursorMove[] = [];
    for (let seq = 1; seq <= 20; seq++) {
      for (const t of targets) {
        const at = seq === 10 ? t.top : seq === t.top ? 10 : seq;
        if (at <= t.top) moves.push({ conversationId: t.conv, userId: t.userId, kind: t.kind, seq: at });
      }
    }
    const { moves: results } = await store.appendBatch([], moves);
    assert.is(results.length, moves.length);
    for (const [i, r] of results.entries()) {
      const t = targets.find((x) => x.conv === moves[i]!.conversationId && x.userId === moves[i]!.userId && x.kind === moves[i]!.kind)!;
      assert.equal(r, { ok: true, seq: t.top }, `move ${i}`);
    }
    assert.equal(await cursorsOf(b.id, direct), [20, 7]);
    assert.equal(await cursorsOf(b.id, g.conversationId), [13, 0]);
    assert.equal(await cursorsOf(c.id, g.conversationId), [20, 19]);
    assert.equal(await cursorsOf(a.id, direct), [0, 20], 'the sender: read moved by its sends, delivered untouched');
  });

  test('messagesAfter and messagesBefore page through history', async () => {
    const a = await user('Ann');
    const g = await store.createGroup('G', 'g', '', a.id);
    const conv = g.conversationId;
    await send(...range(1, 25).map((i) => msg(conv, a.id, `m${i}`)));
    const after = async (n: number) => (await store.messagesAfter(conv, n, 10)).map((m) => m.seq);
    const before = async (n: number) => (await store.messagesBefore(conv, n, 10)).map((m) => m.seq);
    assert.equal(await after(0), range(1, 10));
    assert.equal(await after(10), range(11, 20));
    assert.equal(await after(20), range(21, 25));
    assert.equal(await after(25), []);
    assert.equal(await before(26), range(16, 25));
    assert.equal(await before(16), range(6, 15));
    assert.equal(await before(6), range(1, 5));
    assert.equal(await before(1), []);
    assert.equal(await before(1_000), range(16, 25));
    assert.equal((await store.messagesBefore(conv, 26, 3)).map((m) => m.text), ['m23', 'm24', 'm25']);
    assert.equal(await store.messagesAfter(987_654, 0, 10), []);
  });

  // events: edit, delete, reaction (issue 17)

  const ev = (conversationId: number, senderId: number, kind: NewEvent['kind'], target: number, text = '', extra: Partial<NewEvent> = {}): NewEvent =>
    ({ conversationId, senderId, kind, target, text, clientMsgId: null, ts: 500, ...extra });

  test('events take their own seq, name their target, and fold into the message history shows', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(msg(conv, a.id, 'helo', null, 100), msg(conv, b.id, 'hi', null, 101));
    const edited = await store.appendEvent(ev(conv, a.id, 'edit', 1, 'hello', { ts: 200, friendId: b.id }));
    assert.equal(edited, { seq: 3, ts: 200, duplicate: false, changed: true });
    assert.equal(await store.appendEvent(ev(conv, b.id, 'reaction', 1, '👍')), { seq: 4, ts: 500, duplicate: false, changed: true });
    assert.equal(await store.appendEvent(ev(conv, b.id, 'reaction', 1, '👍')), { seq: null, ts: 500, duplicate: false, changed: false }, 'twice is a no-op');
    await store.appendEvent(ev(conv, a.id, 'reaction', 1, '👍'));
    await store.appendEvent(ev(conv, a.id, 'reaction', 1, '🎉'));
    await store.appendEvent(ev(conv, a.id, 'reaction', 1, '🎉', { remove: true }));
    assert.equal((await store.appendEvent(ev(conv, a.id, 'reaction', 1, '🎉', { remove: true }))).changed, false, 'removing twice too');
    const raw = await store.messagesAfter(conv, 0, 100);
    assert.equal(raw.map((m) => [m.seq, m.kind, m.target, m.text, m.deleted]), [
      [1, 'message', null, 'hello', false], [2, 'message', null, 'hi', false], [3, 'edit', 1, 'hello', false],
      [4, 'reaction', 1, '👍', false], [5, 'reaction', 1, '👍', false], [6, 'reaction', 1, '🎉', false], [7, 'reaction', 1, '🎉', true],
    ]);
    const page = await store.messagesBefore(conv, 100, 1);
    assert.equal(page.map((m) => [m.seq, m.text, m.editedAt]), [[2, 'hi', null]], 'limit counts messages, not events');
    assert.equal((await store.messagesBefore(conv, 100, 10)).map((m) => [m.seq, m.text, m.editedAt]), [[1, 'hello', 200], [2, 'hi', null]]);
    assert.equal(await store.reactionsOf(conv, 1, 2, b.id), [{ seq: 1, emoji: '👍', count: 2, me: true }]);
    assert.equal(await store.reactionsOf(conv, 1, 2, 987), [{ seq: 1, emoji: '👍', count: 2, me: false }]);
  });

  test('only messages are unread: events after the cursor do not count', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(msg(conv, b.id, 'b1'), msg(conv, b.id, 'b2'));
    await store.appendEvent(ev(conv, b.id, 'edit', 1, 'b1!'));
    await store.appendEvent(ev(conv, b.id, 'reaction', 2, 'x'));
    assert.is((await store.conversationOf(a.id, conv))?.unread, 2);
    assert.is((await store.conversationOf(a.id, conv))?.lastSeq, 4);
    await store.moveRead(conv, a.id, 3);
    assert.is((await store.conversationOf(a.id, conv))?.unread, 0, 'read up to an event: both messages are before it');
    await send(msg(conv, b.id, 'b3'));
    assert.is((await store.conversationOf(a.id, conv))?.unread, 1);
    assert.equal((await store.conversationsOf(a.id)).map((r) => r.unread), [1]);
    assert.is((await store.conversationOf(b.id, conv))?.unread, 0);
  });

  test('delete leaves a tombstone: the text of the message and its edits is gone, and so are its reactions', async () => {
    const { a, b, c, g } = await groupOfThree();
    const conv = g.conversationId;
    await send(msg(conv, b.id, 'secret'), msg(conv, c.id, 'c1'), msg(conv, b.id, 'b2'));
    await store.appendEvent(ev(conv, b.id, 'edit', 1, 'secret 2'));
    await store.appendEvent(ev(conv, c.id, 'reaction', 1, '👀'));
    await rejectsWith(store.appendEvent(ev(conv, c.id, 'delete', 1)), 'CHAT_ERR_NOT_YOURS');
    await rejectsWith(store.appendEvent(ev(conv, c.id, 'edit', 1, 'mine now')), 'CHAT_ERR_NOT_YOURS');
    assert.is((await store.appendEvent(ev(conv, b.id, 'delete', 1))).seq, 6);
    assert.is((await store.appendEvent(ev(conv, a.id, 'delete', 2))).seq, 7, 'the creator may delete anyone\'s');
    const raw = await store.messagesAfter(conv, 0, 100);
    assert.equal(raw.map((m) => [m.seq, m.kind, m.text, m.deleted]), [
      [1, 'message', '', true], [2, 'message', '', true], [3, 'message', 'b2', false], [4, 'edit', '', false],
      [5, 'reaction', '👀', false], [6, 'delete', '', false], [7, 'delete', '', false],
    ]);
    assert.not.ok(raw.some((m) => m.text.includes('secret')), 'no text of the deleted message is left');
    assert.equal(await store.reactionsOf(conv, 1, 3, c.id), []);
    for (const kind of ['edit', 'delete', 'reaction'] as const) {
      await rejectsWith(store.appendEvent(ev(conv, b.id, kind, 1, 'x')), 'CHAT_ERR_MESSAGE_DELETED');
    }
    await rejectsWith(store.appendEvent(ev(conv, b.id, 'reaction', 4, 'x')), 'CHAT_ERR_NO_SUCH_MESSAGE');
    await rejectsWith(store.appendEvent(ev(conv, b.id, 'reaction', 99, 'x')), 'CHAT_ERR_NO_SUCH_MESSAGE');
    assert.is((await store.conversationOf(a.id, conv))?.lastSeq, 7, 'refusals take no seq');
  });

  test('events: outsiders, a left group and an ended friendship are refused; a client id is applied once', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const out = await user('Out');
    const conv = await befriend(a.id, b.id);
    await send(msg(conv, a.id, 'a1'));
    await rejectsWith(store.appendEvent(ev(conv, out.id, 'reaction', 1, 'x')), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    await rejectsWith(store.appendEvent(ev(987_654, a.id, 'reaction', 1, 'x')), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    const first = await store.appendEvent(ev(conv, a.id, 'edit', 1, 'a1!', { clientMsgId: 'e-1', ts: 10, friendId: b.id }));
    const again = await store.appendEvent(ev(conv, a.id, 'edit', 1, 'a1!', { clientMsgId: 'e-1', ts: 20, friendId: b.id }));
    assert.equal(again, { seq: first.seq!, ts: 10, duplicate: true, changed: true });
    await rejectsWith(store.appendEvent(ev(conv, a.id, 'delete', 1, '', { clientMsgId: 'e-1' })), 'CHAT_ERR_CLIENT_MSG_ID_REUSED');
    await rejectsWith(store.appendEvent(ev(conv, a.id, 'reaction', 2, 'x')), 'CHAT_ERR_NO_SUCH_MESSAGE');
    const [sent] = await store.appendMessages([msg(conv, a.id, 'dup id', 'e-1')]);
    assert.is(sent!.ok ? 'ok' : (sent!.error as { code?: string }).code, 'CHAT_ERR_CLIENT_MSG_ID_REUSED', 'a send does not answer duplicate for an edit\'s id');
    await store.removeFriendship(a.id, b.id);
    await rejectsWith(store.appendEvent(ev(conv, a.id, 'reaction', 1, 'x', { friendId: b.id })), 'CHAT_ERR_NOT_FRIENDS');
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await send(msg(g.conversationId, b.id, 'g1'));
    await store.leaveGroup(g.id, b.id);
    await rejectsWith(store.appendEvent(ev(g.conversationId, b.id, 'reaction', 1, 'x')), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    assert.equal((await store.messagesAfter(conv, 0, 10)).map((m) => m.seq), [1, 2], 'nothing refused was stored');
  });

  test('replies: reply_to is stored with the message and read back with its target as it is now', async () => {
    const a = await user('Ann');
    const g = await store.createGroup('G', 'g', '', a.id);
    const conv = g.conversationId;
    await send(msg(conv, a.id, 'question'));
    await send({ ...msg(conv, a.id, 'answer'), replyTo: 1 });
    assert.equal((await store.entryOf(conv, 1)), { kind: 'message', senderId: a.id, senderName: 'Ann', text: 'question', deleted: false });
    assert.is(await store.entryOf(conv, 9), null);
    await store.appendEvent(ev(conv, a.id, 'edit', 1, 'question?'));
    assert.equal((await store.messagesBefore(conv, 100, 10))[1]!.replyTo, { seq: 1, senderId: a.id, senderName: 'Ann', text: 'question?', deleted: false });
    await store.appendEvent(ev(conv, a.id, 'delete', 1));
    assert.equal((await store.messagesAfter(conv, 1, 1))[0]!.replyTo, { seq: 1, senderId: a.id, senderName: 'Ann', text: '', deleted: true });
    assert.is((await store.entryOf(conv, 3))?.kind, 'edit');
  });

  test('mentions: stored with the message for members only, read back by name, counted as unread until read', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const out = await user('Out');
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, b.id);
    await store.joinGroup(g.id, c.id);
    const conv = g.conversationId;
    const mention = (senderId: number, text: string, mentions: number[], clientMsgId: string | null = null): NewMessage =>
      ({ ...msg(conv, senderId, text, clientMsgId), mentions });
    await send(mention(a.id, 'hi bob and out', [b.id, out.id], 'm-1'), msg(conv, a.id, 'plain'), mention(c.id, 'all of you', [a.id, b.id]));
    const [first, plain, third] = await store.messagesAfter(conv, 0, 10);
    assert.equal(first!.mentions, ['Bob'], 'a non-member is dropped');
    assert.equal(plain!.mentions, []);
    assert.equal(third!.mentions, ['Ann', 'Bob'], 'in user-id order');
    assert.equal((await store.messagesBefore(conv, 100, 10)).map((m) => m.mentions), [['Bob'], [], ['Ann', 'Bob']]);
    const unread = async (userId: number) => {
      const row = await store.conversationOf(userId, conv);
      return [row?.unread, row?.mentions];
    };
    assert.equal(await unread(b.id), [3, 2]);
    assert.equal(await unread(c.id), [0, 0], 'sending moved the read cursor past what came before');
    assert.equal(await unread(a.id), [1, 1]);
    assert.equal((await store.conversationsOf(b.id)).map((r) => r.mentions), [2]);
    // A retry by client_msg_id is a duplicate: no second mention row.
    const [retry] = await store.appendMessages([mention(a.id, 'hi bob and out', [b.id], 'm-1')]);
    assert.ok(retry!.ok && retry.duplicate);
    assert.equal(await unread(b.id), [3, 2]);
    await store.moveRead(conv, b.id, 1);
    assert.equal(await unread(b.id), [2, 1], 'read past the first mention');
    // Events are never mentions: an edit or a reaction after the cursor counts for neither.
    await store.appendEvent(ev(conv, c.id, 'edit', 3, 'all of you, again'));
    await store.appendEvent(ev(conv, a.id, 'reaction', 3, '👍'));
    assert.equal(await unread(b.id), [2, 1]);
    assert.equal((await store.messagesAfter(conv, 3, 10)).map((m) => m.mentions), [[], []]);
    assert.equal((await store.messagesAfter(conv, 2, 1))[0]!.mentions, ['Ann', 'Bob'], 'an edit keeps the message\'s mentions');
    // A deleted message mentions nobody any more, and is no longer one to read.
    await store.appendEvent(ev(conv, c.id, 'delete', 3));
    assert.equal(await unread(b.id), [1, 0]);
    assert.equal(await unread(a.id), [0, 0]);
    assert.equal((await store.messagesAfter(conv, 2, 1))[0]!.mentions, []);
  });

  test('mentions in a direct conversation; a deleted account\'s name is never shown; a dropped group takes its mentions', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const direct = await befriend(a.id, b.id);
    await send({ ...msg(direct, a.id, 'bob, cid?'), friendId: b.id, mentions: [b.id, c.id] });
    assert.equal((await store.messagesAfter(direct, 0, 1))[0]!.mentions, ['Bob']);
    assert.equal([(await store.conversationOf(b.id, direct))?.unread, (await store.conversationOf(b.id, direct))?.mentions], [1, 1]);
    const g = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g.id, c.id);
    await send({ ...msg(g.conversationId, a.id, 'cid!'), mentions: [c.id] });
    await store.leaveGroup(g.id, c.id);
    await store.accounts.deleteUser(c.id, Date.now() + 60_000, { actor: 'Cid', action: 'delete_account', targetId: c.id, target: 'Cid', at: Date.now(), detail: {} });
    assert.equal((await store.messagesAfter(g.conversationId, 0, 1))[0]!.mentions, [], 'no name of a deleted account');
    await store.leaveGroup(g.id, a.id);
    const g2 = await store.createGroup('G', 'g', '', a.id);
    await store.joinGroup(g2.id, b.id);
    await send(msg(g2.conversationId, b.id, 'fresh'));
    assert.equal((await store.conversationOf(a.id, g2.conversationId))?.mentions, 0);
  });

  test('one client id used at once for events in two conversations: one is stored, the other is CLIENT_MSG_ID_REUSED', async () => {
    const a = await user('Ann');
    const g1 = await store.createGroup('G1', 'g1', '', a.id);
    const g2 = await store.createGroup('G2', 'g2', '', a.id);
    await send(msg(g1.conversationId, a.id, 'x'), msg(g2.conversationId, a.id, 'y'));
    for (let round = 0; round < 5; round++) {
      const id = `same-${round}`;
      const outcomes = await Promise.allSettled([
        store.appendEvent(ev(g1.conversationId, a.id, 'reaction', 1, `r${round}`, { clientMsgId: id })),
        store.appendEvent(ev(g2.conversationId, a.id, 'reaction', 1, `r${round}`, { clientMsgId: id })),
      ]);
      const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as { code?: string }).code)).sort();
      assert.equal(codes, ['CHAT_ERR_CLIENT_MSG_ID_REUSED', 'ok'], `round ${round}`);
    }
  });

  test('the last member leaving deletes the group with its reactions', async () => {
    const a = await user('Ann');
    const g = await store.createGroup('G', 'g', '', a.id);
    await send(msg(g.conversationId, a.id, 'm'));
    await store.appendEvent(ev(g.conversationId, a.id, 'reaction', 1, 'x'));
    assert.equal((await store.leaveGroup(g.id, a.id)).deleted, true);
    assert.equal(await store.reactionsOf(g.conversationId, 0, 10, a.id), []);
  });

  test('text, names and ids round-trip byte for byte', async () => {
    const nasty = [
      `it's "quoted" \`back\``,
      `'; DROP TABLE users; --`,
      'nul\u0000inside\u0000',
      '😀👨‍👩‍👧 emoji',
      '中文字符 日本語 한국어',
      '\u200fRTL mark \u202eoverride',
      'ANSI \x1b[2J\x1b[31mred\x1b[0m',
      '{red-fg}tag{/red-fg} {bold}',
      'line\nbreak\r\ttab \\ backslash %s %d $1 ?',
      ' leading and trailing spaces ',
      '',
    ];
    const a = await store.createUser('Zoë 中文 😀', 'zoë 中文 😀', `x'; DROP TABLE users; --`);
    assert.equal(await store.userByKey('zoë 中文 😀'), a);
    const g = await store.createGroup(`'; DROP TABLE users; --`, `'; drop table users; --`, nasty.join('|'), a.id);
    assert.equal(await store.groupByKey(`'; drop table users; --`), g);
    const results = await store.appendMessages(nasty.map((text, i) => msg(g.conversationId, a.id, text, `${nasty[i]}#${i}`)));
    assert.ok(results.every((r) => r.ok && !r.duplicate));
    const stored = await store.messagesAfter(g.conversationId, 0, 100);
    assert.equal(stored.map((m) => m.text), nasty);
    assert.equal(stored.map((m) => m.clientMsgId), nasty.map((t, i) => `${t}#${i}`));
    assert.ok(stored.every((m) => m.senderName === 'Zoë 中文 😀'));
    assert.ok(await store.userByKey('zoë 中文 😀'), 'users table survived');
  });

  test('concurrent writers on one conversation get exactly 1..N', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    const writer = async (sender: number, tag: string, batches: number): Promise<number[]> => {
      const mine: number[] = [];
      for (let i = 0; i < batches; i++) {
        const size = 1 + (i % 3);
        const batch = range(1, size).map((j) => msg(conv, sender, `${tag}${i}.${j}`, `${tag}-${i}-${j}`));
        mine.push(...(await send(...batch)));
        if (i % 5 === 0) await Promise.resolve();
      }
      return mine;
    };
    const [fromA, fromB] = await Promise.all([writer(a.id, 'a', 60), writer(b.id, 'b', 60)]);
    // Each writer awaited its own batches, so its seqs ascend.
    assert.equal(fromA, [...fromA].sort((x, y) => x - y));
    assert.equal(fromB, [...fromB].sort((x, y) => x - y));
    // Then many batches in flight at once, nobody awaiting in between.
    const burst = await Promise.all(range(1, 40).map((i) =>
      send(msg(conv, i % 2 ? a.id : b.id, `burst ${i}`, `burst-${i}`), msg(conv, a.id, `burst ${i}b`))));
    const all = [...fromA, ...fromB, ...burst.flat()].sort((x, y) => x - y);
    assert.equal(all, range(1, all.length));
    assert.equal(await seqsOf(conv), range(1, all.length));
    assert.is((await store.conversationOf(a.id, conv))?.lastSeq, all.length);
  });

  // search

  /** Texts found for the user, newest first. */
  const search = async (userId: number, query: string, opts: { conversationId?: number; senderId?: number; limit?: number; before?: SearchPosition; excludeSenders?: ReadonlySet<number> } = {}) => {
    const page = await store.searchMessages({ userId, plan: planSearch(query)!, limit: opts.limit ?? 100, ...opts });
    return { texts: page.messages.map((m) => m.text), page };
  };

  test('search: two-character and one-character Chinese queries find Chinese messages', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(msg(conv, a.id, '明天的会议改到下午', null, 1), msg(conv, b.id, '数据已经上传了', null, 2), msg(conv, a.id, 'meeting notes', null, 3));
    assert.equal((await search(b.id, '会议')).texts, ['明天的会议改到下午']);
    assert.equal((await search(a.id, '数据')).texts, ['数据已经上传了']);
    assert.equal((await search(a.id, '传')).texts, ['数据已经上传了']);
    assert.equal((await search(a.id, '午')).texts, ['明天的会议改到下午'], 'the last character of a run');
    assert.equal((await search(a.id, '会议 下午')).texts, ['明天的会议改到下午'], 'every term must be there');
    assert.equal((await search(a.id, '会议 数据')).texts, []);
    assert.equal((await search(a.id, '议会')).texts, []);
  });

  test('search: excludeSenders (the users one blocked) leaves their messages out, across pages', async () => {
    const { a, b, c, g } = await groupOfThree();
    const gc = g.conversationId;
    await send(...range(1, 120).map((i) => msg(gc, i % 3 === 0 ? c.id : b.id, `note ${i}`, null, i)));
    const all = (await search(a.id, 'note')).texts;
    assert.is(all.length, 100);
    const without = await search(a.id, 'note', { excludeSenders: new Set([b.id]), limit: 30 });
    assert.equal(without.texts, range(1, 120).filter((i) => i % 3 === 0).reverse().slice(0, 30).map((i) => `note ${i}`));
    const cs = range(1, 120).filter((i) => i % 3 === 0).reverse().map((i) => `note ${i}`);
    const rest = await search(a.id, 'note', { excludeSenders: new Set([b.id]), limit: 30, before: without.page.next! });
    assert.equal(rest.texts, cs.slice(30), 'the next page, found through more than one round of candidates');
    assert.is(rest.page.next, null);
    assert.equal((await search(a.id, 'note', { senderId: b.id, excludeSenders: new Set([b.id]) })).texts, []);
    assert.is((await search(a.id, 'note', { excludeSenders: new Set() , limit: 120 })).texts.length, 120);
  });

  test('search: a substring finds the word that holds it, whatever the case; only real substrings match', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(msg(conv, a.id, 'Hello, World', null, 1), msg(conv, b.id, 'ab ba', null, 2), msg(conv, b.id, 'x', null, 3));
    assert.equal((await search(a.id, 'ello')).texts, ['Hello, World']);
    assert.equal((await search(a.id, 'WORLD')).texts, ['Hello, World']);
    assert.equal((await search(a.id, 'o, w')).texts, ['Hello, World'], 'terms are split at whitespace');
    assert.equal((await search(a.id, 'x')).texts, ['x']);
    assert.equal((await search(a.id, 'd')).texts, ['Hello, World']);
    // "ab ba" holds the pairs "ab" and "ba" but not "aba": the index narrows, the match decides.
    assert.equal((await search(a.id, 'aba')).texts, []);
    assert.equal((await search(a.id, 'b')).texts, ['ab ba']);
    // One batch of 21 (SQLite: chunks of 16, 4 and 1, each one block of the index): each text is found alone.
    await send(...range(1, 21).map((i) => msg(conv, a.id, `word${String.fromCharCode(96 + i)}${i}`, null, 10 + i)));
    for (const i of [1, 16, 17, 20, 21]) {
      assert.equal((await search(b.id, `d${String.fromCharCode(96 + i)}${i}`)).texts, [`word${String.fromCharCode(96 + i)}${i}`]);
    }
  });

  test('search: folding finds what the query\'s letters stand for: full-width letters, ligatures, any case; %, _ and \\ as themselves', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    await send(msg(conv, a.id, 'ＡＬＰＨＡ team', null, 1), msg(conv, a.id, 'the ﬁle is here', null, 2), msg(conv, a.id, 'Alpha Two', null, 3),
      msg(conv, a.id, '50% off_now', null, 4), msg(conv, a.id, '50x offxnow', null, 5), msg(conv, a.id, 'in C:\\dir now', null, 6));
    assert.equal((await search(b.id, 'alpha')).texts, ['Alpha Two', 'ＡＬＰＨＡ team']);
    assert.equal((await search(b.id, 'file')).texts, ['the ﬁle is here']);
    assert.equal((await search(b.id, '0%')).texts, ['50% off_now'], 'a % in the query is a character, not a wildcard');
    assert.equal((await search(b.id, 'f_n')).texts, ['50% off_now'], 'so is an _');
    assert.equal((await search(b.id, ':\\d')).texts, ['in C:\\dir now'], 'and a backslash');
  });

  test('search: an edited message is found by its new text only, a deleted one never again, reactions and edits are not results', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    const [first, second] = await send(msg(conv, a.id, '会议 draft one', null, 1), msg(conv, b.id, 'keep this 数据', null, 2));
    const event = (kind: NewEvent['kind'], senderId: number, target: number, text: string) =>
      store.appendEvent({ conversationId: conv, senderId, kind, target, text, clientMsgId: null, ts: 10, friendId: senderId === a.id ? b.id : a.id });
    await event('edit', a.id, first!, 'final 计划 version');
    await event('reaction', b.id, first!, 'draft');
    assert.equal((await search(b.id, 'draft')).texts, [], 'the old text, and the reaction, are not found');
    assert.equal((await search(b.id, '会议')).texts, []);
    assert.equal((await search(b.id, '计划')).texts, ['final 计划 version']);
    assert.equal((await search(b.id, 'final')).page.messages.map((m) => m.seq), [first], 'the message, not its edit entry');
    // a result is a whole stored message, its reply included
    await send({ ...msg(conv, b.id, 'answering the plan', null, 3), replyTo: first! });
    const reply = (await search(a.id, 'answering')).page.messages[0]!;
    assert.equal([reply.replyTo?.seq, reply.replyTo?.text, reply.editedAt, reply.deleted], [first, 'final 计划 version', null, false]);
    assert.is((await search(a.id, '计划')).page.messages.find((m) => m.seq === first)?.editedAt, 10);
    await event('delete', b.id, second!, '');
    assert.equal((await search(a.id, '数据')).texts, []);
    assert.equal((await search(a.id, 'keep')).texts, []);
    assert.equal((await search(a.id, 'e')).texts, ['answering the plan', 'final 计划 version']);
  });

  test('search: messages stored together stay found when one of them is edited or deleted, or another\'s group is dropped', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const ab = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    // One batch over both conversations: SQLite indexes such a batch as one block (sqlite-search.ts).
    const seqs = await send(...range(1, 10).map((i) => msg(i % 2 ? ab : g.conversationId, a.id, `together ${i} 共同${i}`, null, 50 + i)));
    const event = (kind: NewEvent['kind'], target: number, text: string) =>
      store.appendEvent({ conversationId: ab, senderId: a.id, kind, target, text, clientMsgId: null, ts: 100, friendId: b.id });
    await event('edit', seqs[0]!, 'rewritten');
    await event('delete', seqs[4]!, '');
    const direct = [9, 7, 3].map((i) => `together ${i} 共同${i}`);
    assert.equal((await search(b.id, 'together')).texts, direct, 'the edited and the deleted one are not found, the others are');
    assert.equal((await search(b.id, '共同')).texts, direct);
    assert.equal((await search(b.id, 'rewritten')).texts, ['rewritten']);
    assert.equal((await search(b.id, '共同5')).texts, [], 'a deleted text is not found by any part of it');
    assert.equal((await search(a.id, 'together')).texts.length, 8);
    await store.leaveGroup(g.id, a.id); // the last member: the group and its messages go
    assert.equal((await search(a.id, 'together')).texts, direct, 'the dropped group\'s messages are gone, the others stay');
    assert.equal((await search(a.id, '共同4')).texts, []);
    await event('edit', seqs[2]!, 'together again');
    assert.equal((await search(a.id, 'together')).texts, [...direct.slice(0, 2), 'together again'], 'ordered by when it was sent');
  });

  test('search: when a dropped group held the newest messages, the next ones are found once', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const ab = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    // One batch, the group's messages last: SQLite deletes those rows with the group and gives
    // their ids to the next messages.
    await send(msg(ab, a.id, 'hello one', null, 1), msg(g.conversationId, a.id, 'hello group', null, 2), msg(g.conversationId, a.id, 'hello two', null, 3));
    await store.leaveGroup(g.id, a.id); // the last member: the group and its messages go
    await send(msg(ab, a.id, 'hello again', null, 4), msg(ab, a.id, 'hello more', null, 5));
    assert.equal((await search(b.id, 'hello')).texts, ['hello more', 'hello again', 'hello one']);
    await store.appendEvent({ conversationId: ab, senderId: a.id, kind: 'edit', target: 1, text: 'bye one', clientMsgId: null, ts: 6, friendId: b.id });
    assert.equal((await search(b.id, 'hello')).texts, ['hello more', 'hello again']);
    assert.equal((await search(b.id, 'bye')).texts, ['bye one']);
  });

  test('search: only conversations the user is a member of now; filters by conversation and sender', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const c = await user('Cid');
    const ab = await befriend(a.id, b.id);
    const bc = await befriend(b.id, c.id);
    const g = await store.createGroup('G', 'g', '', b.id);
    await store.joinGroup(g.id, a.id);
    await send(msg(ab, a.id, 'secret ab', null, 1), msg(bc, b.id, 'secret bc', null, 2), msg(g.conversationId, b.id, 'secret group', null, 3),
      msg(g.conversationId, a.id, 'secret from ann', null, 4));
    assert.equal((await search(a.id, 'secret')).texts, ['secret from ann', 'secret group', 'secret ab']);
    assert.equal((await search(c.id, 'secret')).texts, ['secret bc']);
    assert.equal((await search(a.id, 'secret', { conversationId: g.conversationId })).texts, ['secret from ann', 'secret group']);
    assert.equal((await search(a.id, 'secret', { conversationId: bc })).texts, [], 'not a member of that conversation');
    assert.equal((await search(a.id, 'secret', { senderId: b.id })).texts, ['secret group']);
    await store.leaveGroup(g.id, a.id);
    assert.equal((await search(a.id, 'secret')).texts, ['secret ab'], 'a leave removes access');
    assert.equal((await search(b.id, 'from ann')).texts, ['secret from ann'], 'the members who stay still find it');
    // The last member leaves: the group's messages, and their index rows, are gone.
    await store.leaveGroup(g.id, b.id);
    const again = await store.createGroup('G', 'g', '', b.id);
    assert.equal((await search(b.id, 'secret')).texts, ['secret bc', 'secret ab']);
    assert.equal((await search(b.id, 'secret', { conversationId: again.conversationId })).texts, []);
  });

  test('search: pages with a cursor are disjoint, newest first, and the last has no next', async () => {
    const a = await user('Ann');
    const b = await user('Bob');
    const conv = await befriend(a.id, b.id);
    const g = await store.createGroup('G', 'g', '', a.id);
    // Equal times across conversations and inside one: the order is (ts, conversation, seq).
    await send(...range(1, 8).map((i) => msg(i % 2 ? conv : g.conversationId, a.id, `page ${i}`, null, 100 + Math.floor(i / 3))));
    await send(msg(conv, b.id, 'nothing to find', null, 200));
    const all = (await search(a.id, 'page')).texts;
    assert.is(all.length, 8);
    const pages: string[][] = [];
    let before: SearchPosition | undefined;
    for (let i = 0; i < 5; i++) {
      const { texts, page } = await search(a.id, 'page', { limit: 3, ...(before ? { before } : {}) });
      pages.push(texts);
      if (page.next === null) break;
      before = page.next;
    }
    assert.equal(pages.map((p) => p.length), [3, 3, 2]);
    assert.equal(pages.flat(), all, 'disjoint, and together the whole result in order');
    const order = (await store.searchMessages({ userId: a.id, plan: planSearch('page')!, limit: 100 })).messages
      .map((m) => [m.ts, m.conversationId, m.seq]);
    const sorted = [...order].sort((x, y) => y[0]! - x[0]! || y[1]! - x[1]! || y[2]! - x[2]!);
    assert.equal(order, sorted, 'newest first by (ts, conversation, seq)');
    assert.equal((await search(a.id, 'page', { limit: 8 })).page.next, null, 'an exact fit has no next page');
  });

  // accounts and operators (store.accounts)

  const act = (action: AdminAction['action'], target: UserRow | null, at = 1_000): AdminAction =>
    ({ actor: 'root', action, targetId: target?.id ?? null, target: target?.name ?? 'x', at, detail: { n: 1 } });
  const holder = (u: UserRow, tokenHash: string, conn: string, at: number): SessionStart =>
    ({ userId: u.id, tokenHash, conn, node: conn.split(':')[0]!, address: '10.0.0.1', client: 'tui 1', at });

  test('accounts: credentials are read fresh; a new password and suspension show at once', async () => {
    const alice = await user('Alice');
    await store.userByKey('alice'); // a cached copy must not answer the password check
    assert.equal(await store.accounts.credentialsByKey('alice'), { ...alice, suspended: false });
    await store.accounts.setPassword(alice.id, 'h2', null);
    assert.is((await store.accounts.credentialsByKey('alice'))!.passwordHash, 'h2');
    await store.accounts.setSuspended(alice.id, true, act('suspend', alice));
    assert.equal(await store.accounts.credentialsById(alice.id), { ...alice, passwordHash: 'h2', suspended: true });
    await store.accounts.setSuspended(alice.id, false, act('unsuspend', alice));
    assert.is((await store.accounts.credentialsById(alice.id))!.suspended, false);
    assert.is(await store.accounts.credentialsByKey('nobody'), null);
    assert.is(await store.accounts.credentialsById(999_999), null);
  });

  test('accounts: a token records who holds it; a release by another connection, or of another node, leaves it', async () => {
    const alice = await user('Alice');
    await store.saveToken('t1', alice.id, 10_000);
    await store.saveToken('t2', alice.id, 10_000);
    assert.equal(await store.accounts.sessionStarted(holder(alice, 't1', 'n1:7', 500)), { suspended: false });
    let [t1, t2] = await store.accounts.tokensOf(alice.id, 0);
    assert.equal({ ...t1!, createdAt: 0 }, {
      tokenHash: 't1', createdAt: 0, expiresAt: 10_000, lastUsedAt: 500, client: 'tui 1', address: '10.0.0.1', node: 'n1', liveConn: 'n1:7',
    });
    assert.is(t2!.liveConn, null);
    assert.is((await store.accounts.accounts())[0]!.lastLoginAt, 500);
    await store.accounts.sessionEnded('t1', 'n1:8', 600); // another connection: not the holder
    assert.is((await store.accounts.tokensOf(alice.id, 0))[0]!.liveConn, 'n1:7');
    await store.accounts.releaseNode('n2');
    assert.is((await store.accounts.tokensOf(alice.id, 0))[0]!.liveConn, 'n1:7');
    await store.accounts.sessionEnded('t1', 'n1:7', 700);
    [t1] = await store.accounts.tokensOf(alice.id, 0);
    assert.equal([t1!.liveConn, t1!.lastUsedAt], [null, 700]);
    await store.accounts.sessionStarted(holder(alice, 't2', 'n2:1', 800));
    await store.accounts.releaseNode('n2');
    assert.is((await store.accounts.tokensOf(alice.id, 0))[1]!.liveConn, null);
    assert.equal((await store.accounts.tokensOf(alice.id, 10_000)), [], 'expired tokens are not listed');
    // A suspended account says so, after its holder is recorded.
    await store.accounts.setSuspended(alice.id, true, act('suspend', alice));
    await store.saveToken('t3', alice.id, 10_000);
    assert.equal(await store.accounts.sessionStarted(holder(alice, 't3', 'n1:9', 900)), { suspended: true });
  });

  test('accounts: revokeTokens and setPassword revoke one user\'s tokens, all or all but one', async () => {
    const alice = await user('Alice');
    const bob = await user('Bob');
    for (const t of ['a1', 'a2', 'a3']) await store.saveToken(t, alice.id, 10_000);
    await store.saveToken('b1', bob.id, 10_000);
    const hashes = async (u: UserRow) => (await store.accounts.tokensOf(u.id, 0)).map((t) => t.tokenHash).sort();
    assert.is(await store.accounts.revokeTokens(alice.id, 'a2'), 2);
    assert.equal(await hashes(alice), ['a2']);
    assert.equal(await hashes(bob), ['b1']);
    await store.saveToken('a4', alice.id, 10_000);
    assert.is(await store.accounts.setPassword(alice.id, 'new', { keep: 'a4' }), 1);
    assert.equal(await hashes(alice), ['a4']);
    assert.is(await store.accounts.setPassword(alice.id, 'newer', null), 0);
    assert.equal(await hashes(alice), ['a4']);
    assert.is(await store.accounts.setPassword(alice.id, 'newest', {}, act('reset_password', alice)), 1);
    assert.equal(await hashes(alice), []);
    assert.is(await userByToken('a4', 0), null);
    assert.equal(await hashes(bob), ['b1']);
    assert.is(await store.accounts.revokeTokens(bob.id), 1);
    assert.equal(await hashes(bob), []);
  });

  test('accounts: admin actions are the audit log, in order, committed with what they did', async () => {
    assert.is(await store.accounts.lastAdminActionId(), 0);
    const carol = await store.accounts.addUser('Carol', 'carol', 'hc', { actor: 'op', action: 'add_user', target: 'Carol', at: 10, detail: {} });
    assert.equal(await store.userByKey('carol'), carol);
    await rejectsWith(store.accounts.addUser('CAROL', 'carol', 'h', { actor: 'op', action: 'add_user', target: 'CAROL', at: 11, detail: {} }), 'CHAT_ERR_NAME_TAKEN');
    await store.saveToken('c1', carol.id, 10_000);
    await store.accounts.setSuspended(carol.id, true, act('suspend', carol, 20));
    assert.equal(await store.accounts.tokensOf(carol.id, 0), [], 'suspending revokes every token');
    await store.accounts.setPassword(carol.id, 'h2', {}, act('reset_password', carol, 30));
    const all = await store.accounts.adminActionsAfter(0, 10);
    assert.equal(all.map((a) => [a.action, a.targetId, a.target, a.at, a.actor]), [
      ['add_user', carol.id, 'Carol', 10, 'op'], ['suspend', carol.id, 'Carol', 20, 'root'], ['reset_password', carol.id, 'Carol', 30, 'root'],
    ]);
    assert.equal(all[1]!.detail, { n: 1 });
    assert.ok(all[0]!.id < all[1]!.id && all[1]!.id < all[2]!.id);
    assert.is(await store.accounts.lastAdminActionId(), all[2]!.id);
    assert.equal((await store.accounts.adminActionsAfter(all[0]!.id, 1)).map((a) => a.action), ['suspend']);
    assert.equal(await store.accounts.adminActionsAfter(all[2]!.id, 10), []);
  });

  test('accounts: deleteUser keeps the messages without a name, ends friendships, requests and tokens, and reserves the name', async () => {
    const alice = await user('Alice');
    const bob = await user('Bob');
    const carol = await user('Carol');
    const conv = await befriend(alice.id, bob.id);
    await store.createFriendRequest(carol.id, alice.id);
    await store.saveToken('ta', alice.id, 10_000);
    await send(msg(conv, alice.id, 'from alice'), msg(conv, bob.id, 'from bob'));
    assert.equal(await store.userByKey('alice'), alice); // cached, and must be forgotten
    assert.is(await store.directConversation(bob.id, alice.id), conv);
    await store.accounts.deleteUser(alice.id, 5_000, { actor: 'account Alice', action: 'delete_account', targetId: alice.id, target: 'Alice', at: 1_000, detail: {} });
    assert.is(await store.userByKey('alice'), null);
    assert.is(await store.accounts.credentialsByKey('alice'), null);
    assert.is(await store.relation(bob.id, alice.id), 'none');
    assert.is(await store.directConversation(bob.id, alice.id), null);
    assert.equal(await store.friendsOf(bob.id), []);
    assert.equal(await store.requestsOf(carol.id), []);
    assert.equal(await store.accounts.tokensOf(alice.id, 0), []);
    assert.equal((await store.messagesAfter(conv, 0, 10)).map((m) => [m.senderId, m.senderName, m.text]), [[alice.id, '', 'from alice'], [bob.id, 'Bob', 'from bob']]);
    assert.equal((await store.accounts.accounts()).map((u) => u.name), ['Bob', 'Carol']);
    assert.equal([await store.accounts.nameReserved('alice', 4_999), await store.accounts.nameReserved('alice', 5_000)], [true, false]);
    assert.is(await store.accounts.nameReserved('bob', 0), false);
    assert.equal((await store.accounts.adminActionsAfter(0, 10)).map((a) => [a.action, a.targetId]), [['delete_account', alice.id]]);
    // A caller whose cache still has the old row cannot befriend the deleted account.
    await rejectsWith(store.addFriend(bob.id, alice.id), 'CHAT_ERR_NO_SUCH_USER');
    await rejectsWith(store.acceptFriendRequest(bob.id, alice.id), 'CHAT_ERR_NO_SUCH_USER');
    // The name is free in the store (register checks the reservation), and a new Alice is someone else.
    const again = await user('Alice');
    assert.is.not(again.id, alice.id);
    assert.equal((await store.messagesAfter(conv, 0, 1))[0]!.senderName, '');
  });

  test('accounts: deleteUser leaves every group in its own transaction, or, when it fails, changes nothing', async () => {
    const [alice, bob, carol] = [await user('Alice'), await user('Bob'), await user('Carol')];
    const shared = await store.createGroup('Shared', 'shared', '', alice.id);
    await store.joinGroup(shared.id, bob.id);
    await store.joinGroup(shared.id, carol.id);
    await store.setGroupRole(shared.id, alice.id, carol.id, 'admin');
    const alone = await store.createGroup('Alone', 'alone', '', alice.id);
    const theirs = await store.createGroup('Theirs', 'theirs', '', bob.id);
    await store.joinGroup(theirs.id, alice.id);
    await store.saveToken('ta', alice.id, 10_000);
    const deletion = { actor: 'account Alice', action: 'delete_account' as const, targetId: alice.id, target: 'Alice', at: 1_000 };

    // A failure at its last step (the audit row: a detail JSON cannot write) undoes every step before it.
    await store.accounts.deleteUser(alice.id, 5_000, { ...deletion, detail: { n: 1n } }).then(
      () => assert.unreachable('the deletion should fail'), (err: unknown) => assert.instance(err, Error));
    assert.equal((await store.groupsOf(alice.id)).map((g) => [g.name, g.role]), [['Alone', 'creator'], ['Shared', 'creator'], ['Theirs', 'member']]);
    assert.is((await store.userByKey('alice'))?.id, alice.id);
    assert.is((await store.accounts.tokensOf(alice.id, 0)).length, 1);
    assert.is(await store.accounts.nameReserved('alice', 0), false);

    const left = await store.accounts.deleteUser(alice.id, 5_000, { ...deletion, detail: {} });
    assert.equal(left.map((g) => [g.name, g.conversationId, g.deleted, g.newCreatorId]), [
      ['Shared', shared.conversationId, false, carol.id],
      ['Alone', alone.conversationId, true, null],
      ['Theirs', theirs.conversationId, false, null],
    ]);
    assert.equal(await store.groupsOf(alice.id), []);
    assert.equal((await store.groupMembers(shared.id)).map((m) => [m.name, m.role]), [['Bob', 'member'], ['Carol', 'creator']]);
    assert.is(await store.groupByKey('alone'), null);
    assert.equal(await store.memberIds(theirs.conversationId), [bob.id]);
  });

  test('accounts: the operator\'s lists of users and groups', async () => {
    const alice = await user('Alice');
    const bob = await user('Bob');
    await store.accounts.setSuspended(bob.id, true, act('suspend', bob));
    const group = await store.createGroup('Devs', 'devs', 'the devs', alice.id);
    await store.joinGroup(group.id, bob.id);
    const users = await store.accounts.accounts();
    assert.equal(users.map((u) => [u.id, u.name, u.lastLoginAt, u.suspended]), [[alice.id, 'Alice', null, false], [bob.id, 'Bob', null, true]]);
    assert.ok(users.every((u) => typeof u.createdAt === 'number' && u.createdAt > 0));
    const groups = await store.accounts.allGroups();
    assert.equal(groups.map((g) => [g.name, g.desc, g.creator, g.members]), [['Devs', 'the devs', 'Alice', 2]]);
  });

  test.run();
}
