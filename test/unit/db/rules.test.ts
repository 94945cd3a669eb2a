// The Store's rules (lib/db/rules.ts) on their own, without a database. The contract suite
// (test/contract/store.contract.ts) checks that both stores apply them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  afterLeave, checkBlock, checkCursorMove, checkGroup, checkLeave, checkFriendAccept, friendAddAction, groupCursorMoves, groupSenders, planAppend,
  planCursorMoves, readCursorMoves, relationOf, type FriendState, type PriorMessage, type SenderSlots,
} from '../../../lib/db/rules.ts';
import type { AppendResult, CursorMove, MoveResult, NewMessage } from '../../../lib/db/store.ts';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
};

/** Every combination of the three friend flags, without blocks. */
const states: FriendState[] = [false, true].flatMap((friends) => [false, true].flatMap((outgoing) =>
  [false, true].map((incoming) => ({ friends, outgoing, incoming, blocking: false, blockedBy: false }))));
const none: FriendState = { friends: false, outgoing: false, incoming: false, blocking: false, blockedBy: false };

const friends = suite('rules: friends');

friends('relationOf: friends first, then one’s own request, then theirs', () => {
  const seen = states.map((s) => relationOf(s));
  assert.equal(seen, ['none', 'in', 'out', 'out', 'friends', 'friends', 'friends', 'friends']);
});

friends('friendAddAction: ALREADY_FRIENDS, else their request is accepted (also when both asked), else PENDING, else a request', () => {
  const seen = states.map((s) => codeOf(() => friendAddAction(s)) ?? friendAddAction(s));
  assert.equal(seen, [
    'request', 'accept', 'CHAT_ERR_REQUEST_PENDING', 'accept',
    'CHAT_ERR_ALREADY_FRIENDS', 'CHAT_ERR_ALREADY_FRIENDS', 'CHAT_ERR_ALREADY_FRIENDS', 'CHAT_ERR_ALREADY_FRIENDS',
  ]);
});

friends('checkFriendAccept: ALREADY_FRIENDS, else NO_REQUEST without their request', () => {
  const seen = states.map((s) => codeOf(() => checkFriendAccept(s)));
  assert.equal(seen, [
    'CHAT_ERR_NO_REQUEST', null, 'CHAT_ERR_NO_REQUEST', null,
    'CHAT_ERR_ALREADY_FRIENDS', 'CHAT_ERR_ALREADY_FRIENDS', 'CHAT_ERR_ALREADY_FRIENDS', 'CHAT_ERR_ALREADY_FRIENDS',
  ]);
});

friends('blocks: the blocker cannot add and does not see the request; the blocked user\'s add is a hidden request', () => {
  assert.is(codeOf(() => friendAddAction({ ...none, blocking: true })), 'CHAT_ERR_USER_BLOCKED');
  assert.is(codeOf(() => friendAddAction({ ...none, blocking: true, incoming: true })), 'CHAT_ERR_USER_BLOCKED');
  assert.is(friendAddAction({ ...none, blockedBy: true }), 'hidden');
  assert.is(codeOf(() => friendAddAction({ ...none, blockedBy: true, outgoing: true })), 'CHAT_ERR_REQUEST_PENDING', 'as a normal second add');
  assert.is(codeOf(() => checkFriendAccept({ ...none, blocking: true, incoming: true })), 'CHAT_ERR_NO_REQUEST');
  assert.is(relationOf({ ...none, blocking: true, incoming: true }), 'none');
  assert.is(relationOf({ ...none, blockedBy: true, outgoing: true }), 'out', 'the sender sees their request pending');
  assert.is(codeOf(() => checkBlock(3, 3)), 'CHAT_ERR_SELF');
  assert.is(codeOf(() => checkBlock(3, 4)), null);
});

friends.run();

const groups = suite('rules: groups and cursors');

groups('checkGroup, checkLeave: NO_SUCH_GROUP, NOT_MEMBER', () => {
  const g = { id: 1 };
  assert.is(checkGroup(g), g);
  assert.equal([codeOf(() => checkGroup(null)), codeOf(() => checkGroup(undefined))], ['CHAT_ERR_NO_SUCH_GROUP', 'CHAT_ERR_NO_SUCH_GROUP']);
  assert.equal([checkLeave('creator'), checkLeave('member')], ['creator', 'member']);
  assert.equal([codeOf(() => checkLeave(null)), codeOf(() => checkLeave(undefined))], ['CHAT_ERR_NOT_MEMBER', 'CHAT_ERR_NOT_MEMBER']);
});

groups('afterLeave: the last member deletes the group; a leaving creator hands over to the successor; a member leaves nothing else', () => {
  assert.equal(afterLeave('creator', null), { deleted: true, newCreatorId: null });
  assert.equal(afterLeave('member', null), { deleted: true, newCreatorId: null });
  assert.equal(afterLeave('creator', 7), { deleted: false, newCreatorId: 7 });
  assert.equal(afterLeave('member', 7), { deleted: false, newCreatorId: null });
});

groups('checkCursorMove: NO_SUCH_CONVERSATION for a non-member, BAD_CURSOR past the last seq', () => {
  assert.equal([0, 3, 5].map((seq) => codeOf(() => checkCursorMove(5, seq))), [null, null, null]);
  assert.is(codeOf(() => checkCursorMove(5, 6)), 'CHAT_ERR_BAD_CURSOR');
  assert.is(codeOf(() => checkCursorMove(undefined, 0)), 'CHAT_ERR_NO_SUCH_CONVERSATION');
});

groups.run();

const append = suite('rules: appendMessages');

const msg = (conversationId: number, senderId: number, text: string, clientMsgId: string | null = null, ts = 100, friendId?: number): NewMessage =>
  ({ conversationId, senderId, text, clientMsgId, ts, friendId });

/** The slots as a store would fill them: `members` are "conv:sender", `friends` "sender:friend". */
function read(batch: NewMessage[], members: string[], friends: string[] = []): SenderSlots {
  const senders = groupSenders(batch);
  for (const s of senders.slots) {
    s.member = members.includes(`${s.conversationId}:${s.senderId}`);
    if (s.friendId !== undefined) s.friends = friends.includes(`${s.senderId}:${s.friendId}`);
  }
  return senders;
}

const outcome = (r: AppendResult) => (r.ok ? [r.seq, r.ts, r.duplicate] : (r.error as { code?: string }).code);

append('groupSenders: one slot per conversation and sender, and friend for a direct message', () => {
  const { slots, slotOf } = groupSenders([
    msg(1, 10, 'a'), msg(2, 10, 'b'), msg(1, 10, 'c'), msg(1, 11, 'd'), msg(3, 10, 'e', null, 1, 11), msg(3, 10, 'f', null, 1, 11),
  ]);
  assert.equal(slots.map((s) => [s.conversationId, s.senderId, s.friendId, s.member, s.friends, s.readTo]), [
    [1, 10, undefined, false, true, 0], [2, 10, undefined, false, true, 0], [1, 11, undefined, false, true, 0], [3, 10, 11, false, false, 0],
  ]);
  assert.equal(slotOf, [0, 1, 0, 2, 3, 3]);
});

append('seqs follow each conversation\'s last seq in batch order; counters, rows and cursors to write', () => {
  const batch = [msg(1, 10, 'a', null, 1), msg(2, 10, 'b', 'id-b', 2), msg(1, 11, 'c', null, 3), msg(1, 10, 'd', null, 4)];
  const senders = read(batch, ['1:10', '1:11', '2:10']);
  const plan = planAppend(batch, senders, [], new Map([[1, 5], [2, 0]]), new Map());
  assert.equal(plan.results.map(outcome), [[6, 1, false], [1, 2, false], [7, 3, false], [8, 4, false]]);
  assert.equal(plan.rows, [1, 6, 10, 'a', null, 1, null, 1, 2, 1, 10, 'b', 'id-b', 2, null, 1, 1, 7, 11, 'c', null, 3, null, 2, 1, 8, 10, 'd', null, 4, null, 3]);
  assert.equal([...plan.msgCounts], [[1, 3], [2, 1]]);
  assert.equal([...plan.lastSeqs], [[1, 8], [2, 1]]);
  assert.is(plan.firstNew, 0);
  assert.equal(readCursorMoves(senders.slots), [
    { conversationId: 1, senderId: 10, seq: 8 }, { conversationId: 2, senderId: 10, seq: 1 }, { conversationId: 1, senderId: 11, seq: 7 },
  ]);
});

append('a client id stored before, or earlier in the batch, is a duplicate in its conversation and REUSED in another', () => {
  const batch = [
    msg(1, 10, 'retry', 'old', 50), // stored before as seq 3
    msg(2, 10, 'elsewhere', 'old', 51), // the same id, another conversation
    msg(1, 10, 'new', 'k', 52),
    msg(1, 10, 'new again', 'k', 53),
    msg(2, 10, 'new elsewhere', 'k', 54),
    msg(1, 11, 'other sender', 'k', 55),
  ];
  const prior: PriorMessage[] = [{ conversationId: 1, seq: 3, ts: 7 }, { conversationId: 1, seq: 3, ts: 7 }];
  const senders = read(batch, ['1:10', '2:10', '1:11']);
  const plan = planAppend(batch, senders, prior, new Map([[1, 4], [2, 0]]), new Map());
  assert.equal(plan.results.map(outcome), [
    [3, 7, true], 'CHAT_ERR_CLIENT_MSG_ID_REUSED', [5, 52, false], [5, 52, true], 'CHAT_ERR_CLIENT_MSG_ID_REUSED', [6, 55, false],
  ]);
  assert.equal([...plan.lastSeqs], [[1, 6]], 'duplicates and refusals take no seq');
  assert.is(plan.firstNew, 2);
});

append('mention rows: only for new messages that mention someone, laid out (conversation, seq, user, sender); none at all without mentions', () => {
  const plain = [msg(1, 10, 'a'), { ...msg(1, 10, 'b'), mentions: [] }];
  assert.is(planAppend(plain, read(plain, ['1:10']), [], new Map([[1, 0]]), new Map()).mentionRows, null, 'no array is made for a batch without mentions');
  const batch = [{ ...msg(1, 10, 'hi', 'k'), mentions: [11, 12] }, msg(1, 10, 'plain'), { ...msg(1, 10, 'retry', 'k'), mentions: [11] }, { ...msg(1, 13, 'refused'), mentions: [10] }];
  const plan = planAppend(batch, read(batch, ['1:10']), [], new Map([[1, 4]]), new Map());
  assert.equal(plan.results.map(outcome), [[5, 100, false], [6, 100, false], [5, 100, true], 'CHAT_ERR_NO_SUCH_CONVERSATION']);
  assert.equal(plan.mentionRows, [1, 5, 11, 10, 1, 5, 12, 10], 'a retry and a refused message add none');
});

append('a non-member gets NO_SUCH_CONVERSATION, a gone friendship NOT_FRIENDS; the rest of the batch goes on', () => {
  const batch = [msg(1, 10, 'a'), msg(9, 10, 'no conversation'), msg(1, 12, 'not a member'), msg(3, 10, 'direct', null, 1, 11),
    msg(4, 10, 'direct to a friend', null, 1, 13), msg(1, 10, 'b')];
  const senders = read(batch, ['1:10', '3:10', '4:10'], ['10:13']);
  const plan = planAppend(batch, senders, [], new Map([[1, 0], [3, 2], [4, 0]]), new Map());
  assert.equal(plan.results.map(outcome), [
    [1, 100, false], 'CHAT_ERR_NO_SUCH_CONVERSATION', 'CHAT_ERR_NO_SUCH_CONVERSATION', 'CHAT_ERR_NOT_FRIENDS', [1, 1, false], [2, 100, false],
  ]);
  assert.equal([...plan.lastSeqs], [[1, 2], [4, 1]]);
  // A refused item is not checked again as a duplicate, and its client id is not remembered.
  const again = [msg(3, 10, 'direct', 'd', 1, 11), msg(3, 10, 'direct', 'd', 2, 11)];
  assert.equal(planAppend(again, read(again, ['3:10'], []), [], new Map([[3, 2]]), new Map()).results.map(outcome), ['CHAT_ERR_NOT_FRIENDS', 'CHAT_ERR_NOT_FRIENDS']);
});

append('nothing new: no rows, no counters, no cursor moves, firstNew -1', () => {
  const batch = [msg(1, 10, 'retry', 'x')];
  const senders = read(batch, ['1:10']);
  const plan = planAppend(batch, senders, [{ conversationId: 1, seq: 1, ts: 5 }], new Map([[1, 1]]), new Map());
  assert.equal([plan.rows, [...plan.lastSeqs], plan.firstNew, readCursorMoves(senders.slots)], [[], [], -1, []]);
});

append('readCursorMoves: one move per conversation and sender, to the highest seq', () => {
  const slots = groupSenders([msg(1, 10, 'a', null, 1, 11), msg(1, 10, 'b', null, 1, 12), msg(2, 10, 'c')]).slots;
  slots[0]!.readTo = 4;
  slots[1]!.readTo = 3;
  slots[2]!.readTo = 0;
  assert.equal(readCursorMoves(slots), [{ conversationId: 1, senderId: 10, seq: 4 }]);
});

append.run();

const cursors = suite('rules: planCursorMoves');

const mv = (conversationId: number, userId: number, kind: 'delivered' | 'read', seq: number): CursorMove => ({ conversationId, userId, kind, seq });
const moved = (r: MoveResult) => (r.ok ? r.seq : (r.error as { code?: string }).code);

cursors('one slot per (conversation, user), whatever the kind', () => {
  const { slots, slotOf } = groupCursorMoves([mv(1, 7, 'delivered', 3), mv(1, 7, 'read', 2), mv(2, 7, 'delivered', 1), mv(1, 8, 'delivered', 1)]);
  assert.equal(slots.map((s) => [s.conversationId, s.userId]), [[1, 7], [2, 7], [1, 8]]);
  assert.equal(slotOf, [0, 0, 1, 2]);
});

cursors('moves fold to the highest per kind, never below the stored cursor; only real moves are written', () => {
  const moves = [mv(1, 7, 'delivered', 3), mv(1, 7, 'delivered', 5), mv(1, 7, 'read', 1), mv(1, 7, 'delivered', 4), mv(2, 7, 'read', 2)];
  const s = groupCursorMoves(moves);
  Object.assign(s.slots[0]!, { lastSeq: 9, delivered: 2, read: 4 });
  Object.assign(s.slots[1]!, { lastSeq: 5, delivered: 1, read: 3 });
  const plan = planCursorMoves(moves, s);
  assert.equal(plan.results.map(moved), [5, 5, 4, 5, 3]);
  assert.equal(plan.writes, [{ conversationId: 1, userId: 7, delivered: 5, read: 4 }]);
});

cursors('past the last seq is BAD_CURSOR, a non-member NO_SUCH_CONVERSATION; neither moves anything', () => {
  const moves = [mv(1, 7, 'delivered', 10), mv(1, 7, 'delivered', 9), mv(3, 7, 'read', 0)];
  const s = groupCursorMoves(moves);
  Object.assign(s.slots[0]!, { lastSeq: 9, delivered: 2, read: 0 });
  const plan = planCursorMoves(moves, s);
  assert.equal(plan.results.map(moved), ['CHAT_ERR_BAD_CURSOR', 9, 'CHAT_ERR_NO_SUCH_CONVERSATION']);
  assert.equal(plan.writes, [{ conversationId: 1, userId: 7, delivered: 9, read: 0 }]);
});

cursors.run();
