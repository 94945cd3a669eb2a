// The Store's rules (lib/db/rules.ts) on their own, without a database. The contract suite
// (test/contract/store.contract.ts) checks that both stores apply them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkFriendAccept, friendAddAction, relationOf, type FriendState } from '../../../lib/db/rules.ts';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
};

/** Every combination of the three flags. */
const states: FriendState[] = [false, true].flatMap((friends) => [false, true].flatMap((outgoing) =>
  [false, true].map((incoming) => ({ friends, outgoing, incoming }))));

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

friends.run();
