// Who may do what in a group (lib/db/group-rules.ts) on its own, without a database. The contract
// suite checks that both stores apply it; the authorization matrix, that the server does.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  canActOn, canModerate, checkBan, checkDecline, checkInvite, checkJoin, checkKick, checkSetRole, checkTransfer, checkUnban,
  defaultHistory, isVisible, pickSuccessor, visibleAfter, type GroupState, type TargetState,
} from '../../../lib/db/group-rules.ts';
import type { Role } from '../../../lib/db/store.ts';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
};
const state = (over: Partial<GroupState> = {}): GroupState => ({ private: false, history: 'shared', role: null, invited: false, banned: false, ...over });
const target = (over: Partial<TargetState> = {}): TargetState => ({ self: false, role: null, invited: false, banned: false, ...over });
const ROLES: (Role | null)[] = ['creator', 'admin', 'member', null];

const test = suite('group rules');

test('canModerate: the creator and admins; canActOn: admins on members only, the creator on admins too, nobody on the creator', () => {
  assert.equal(ROLES.map(canModerate), [true, true, false, false]);
  const table = ROLES.map((actor) => ROLES.map((t) => canActOn(actor, t)));
  assert.equal(table, [
    [false, true, true, true],
    [false, false, true, true],
    [false, false, false, false],
    [false, false, false, false],
  ]);
});

test('visibility: a private group exists only for its members and the invited', () => {
  assert.ok(isVisible(state()));
  assert.not.ok(isVisible(state({ private: true })));
  assert.not.ok(isVisible(state({ private: true, banned: true })));
  assert.ok(isVisible(state({ private: true, invited: true })));
  assert.ok(isVisible(state({ private: true, role: 'member' })));
});

test('join: public open to all but the banned; private only by invitation; banned from a private group looks missing', () => {
  assert.is(codeOf(() => checkJoin(state())), null);
  assert.is(codeOf(() => checkJoin(null)), 'CHAT_ERR_NO_SUCH_GROUP');
  assert.is(codeOf(() => checkJoin(state({ role: 'member' }))), 'CHAT_ERR_ALREADY_MEMBER');
  assert.is(codeOf(() => checkJoin(state({ banned: true }))), 'CHAT_ERR_BANNED');
  assert.is(codeOf(() => checkJoin(state({ private: true }))), 'CHAT_ERR_NO_SUCH_GROUP');
  assert.is(codeOf(() => checkJoin(state({ private: true, banned: true }))), 'CHAT_ERR_NO_SUCH_GROUP');
  assert.is(codeOf(() => checkJoin(state({ private: true, invited: true }))), null);
});

test('moderation checks, in order: visible, member, role, then the target', () => {
  const admin = state({ role: 'admin' });
  assert.is(codeOf(() => checkKick(state({ role: 'member' }), target({ role: 'member' }))), 'CHAT_ERR_FORBIDDEN');
  assert.is(codeOf(() => checkKick(state({ private: true }), target({ role: 'member' }))), 'CHAT_ERR_NO_SUCH_GROUP');
  assert.is(codeOf(() => checkKick(state(), target({ role: 'member' }))), 'CHAT_ERR_NOT_MEMBER');
  assert.is(codeOf(() => checkKick(admin, target({ self: true, role: 'admin' }))), 'CHAT_ERR_SELF');
  assert.is(codeOf(() => checkKick(admin, target())), 'CHAT_ERR_USER_NOT_MEMBER');
  assert.is(codeOf(() => checkKick(admin, target({ role: 'admin' }))), 'CHAT_ERR_FORBIDDEN');
  assert.is(codeOf(() => checkKick(admin, target({ role: 'member' }))), null);
  assert.is(codeOf(() => checkBan(admin, target())), null, 'a ban before they ever join');
  assert.is(codeOf(() => checkBan(admin, target({ banned: true }))), 'CHAT_ERR_ALREADY_BANNED');
  assert.is(codeOf(() => checkBan(admin, target({ role: 'creator' }))), 'CHAT_ERR_FORBIDDEN');
  assert.is(codeOf(() => checkUnban(admin, target())), 'CHAT_ERR_NOT_BANNED');
  assert.is(codeOf(() => checkInvite(admin, target({ role: 'member' }))), 'CHAT_ERR_USER_ALREADY_MEMBER');
  assert.is(codeOf(() => checkInvite(admin, target({ banned: true }))), 'CHAT_ERR_USER_BANNED');
  assert.is(codeOf(() => checkInvite(admin, target({ invited: true }))), null, 'invite again: kept');
  assert.is(codeOf(() => checkSetRole(admin, target({ role: 'member' }))), 'CHAT_ERR_FORBIDDEN');
  assert.is(codeOf(() => checkSetRole(state({ role: 'creator' }), target({ role: 'member' }))), null);
  assert.is(codeOf(() => checkTransfer(state({ role: 'creator' }), target())), 'CHAT_ERR_USER_NOT_MEMBER');
  assert.is(codeOf(() => checkDecline(state())), 'CHAT_ERR_NO_INVITE');
  assert.is(codeOf(() => checkDecline(state({ private: true }))), 'CHAT_ERR_NO_SUCH_GROUP');
});

test('succession: the earliest admin, else the earliest member; history starts where the join was for `joined`', () => {
  assert.is(pickSuccessor([{ userId: 5, role: 'admin' }, { userId: 3, role: 'member' }]), 5);
  assert.is(pickSuccessor([{ userId: 3, role: 'member' }]), 3);
  assert.is(pickSuccessor([{ userId: 1, role: 'creator' }]), 1, 'a member left: the creator is still there');
  assert.is(pickSuccessor([]), null);
  assert.equal([visibleAfter('joined', 7), visibleAfter('shared', 7)], [7, 0]);
  assert.equal([defaultHistory(true), defaultHistory(false)], ['joined', 'shared']);
});

test.run();
