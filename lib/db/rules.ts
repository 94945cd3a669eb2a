// The Store's rules, written once. Both stores read what a rule needs inside their transaction
// (SQLite: an immediate transaction; MySQL: under the row locks they take first), call these
// pure functions, and write what they return. No I/O here, so the rules are tested without a
// database (test/unit/db/rules.test.ts), and test/contract/store.contract.ts checks that both
// stores apply them the same way.
import { ChatError } from '../protocol/errors.ts';
import type { Relation } from './store.ts';

/** What a store reads about two users (`me`, `other`) before any friend decision. */
export interface FriendState {
  friends: boolean;
  /** me asked other */
  outgoing: boolean;
  /** other asked me */
  incoming: boolean;
}

export function relationOf(state: FriendState): Relation {
  return state.friends ? 'friends' : state.outgoing ? 'out' : state.incoming ? 'in' : 'none';
}

/**
 * friend_add: both asking is consent from both sides, so a request from the other user is
 * accepted. It is looked at before one's own request: a pair whose requests crossed (stored by
 * versions that decided outside the transaction) then ends as a friendship instead of answering
 * REQUEST_PENDING to both forever.
 */
export function friendAddAction(state: FriendState): 'accept' | 'request' {
  if (state.friends) throw new ChatError('CHAT_ERR_ALREADY_FRIENDS');
  if (state.incoming) return 'accept';
  if (state.outgoing) throw new ChatError('CHAT_ERR_REQUEST_PENDING');
  return 'request';
}

/** friend_accept of other's request by me. */
export function checkFriendAccept(state: FriendState): void {
  if (state.friends) throw new ChatError('CHAT_ERR_ALREADY_FRIENDS');
  if (!state.incoming) throw new ChatError('CHAT_ERR_NO_REQUEST');
}
