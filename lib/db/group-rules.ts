// Who may do what in a group, written once. Both stores read a GroupState for the actor (and a
// target) inside their transaction, call these pure functions, and write what they allow; the
// handlers and the TUI read the same predicates. No I/O here (test/unit/db/group-rules.test.ts).
//
// Roles: the creator (the owner; `creator` on the wire), admins, and members.
// - The creator and admins moderate: invite, kick, ban and unban, set the topic, switch the group
//   between public and private and its history visibility. Admins act on members only; the
//   creator acts on admins too. Nobody acts on the creator.
// - Only the creator makes or unmakes admins, hands the creator role on, and deletes the group.
// - A private group is, to anyone who is neither a member nor invited, a group that does not
//   exist: CHAT_ERR_NO_SUCH_GROUP, decided by one lookup that answers nothing for both.
import { ChatError } from '../protocol/errors.ts';
import type { HistoryVisibility, Role } from './store.ts';

/** What a store reads about one user's standing in one group. */
export interface GroupState {
  private: boolean;
  history: HistoryVisibility;
  /** null: not a member */
  role: Role | null;
  invited: boolean;
  banned: boolean;
}

/** The creator and admins moderate the group (also: who may delete others' messages). */
export function canModerate(role: Role | null | undefined): boolean {
  return role === 'creator' || role === 'admin';
}

/** A moderator may act on this member (kick, ban): admins on members only, the creator on anyone but itself. */
export function canActOn(actor: Role | null | undefined, target: Role | null | undefined): boolean {
  if (!canModerate(actor)) return false;
  if (target === 'creator') return false;
  if (target === 'admin') return actor === 'creator';
  return true;
}

/** The group exists for this user: public, or they are a member or invited. */
export function isVisible(state: Pick<GroupState, 'private' | 'role' | 'invited'>): boolean {
  return !state.private || state.role !== null || state.invited;
}

export function checkVisible<T extends Pick<GroupState, 'private' | 'role' | 'invited'>>(state: T | null | undefined): T {
  if (state === null || state === undefined || !isVisible(state)) throw new ChatError('CHAT_ERR_NO_SUCH_GROUP');
  return state;
}

/** The user's role; NOT_MEMBER (after the visibility check) when they have none. */
export function checkMember(state: GroupState | null | undefined): Role {
  const role = checkVisible(state).role;
  if (role === null) throw new ChatError('CHAT_ERR_NOT_MEMBER');
  return role;
}

/** The actor's role, if it moderates the group. */
export function checkModerator(state: GroupState | null | undefined): Role {
  const role = checkMember(state);
  if (!canModerate(role)) throw new ChatError('CHAT_ERR_FORBIDDEN');
  return role;
}

export function checkCreator(state: GroupState | null | undefined): void {
  if (checkMember(state) !== 'creator') throw new ChatError('CHAT_ERR_FORBIDDEN');
}

/**
 * group_join: a public group is open to anyone not banned; a private one only to the invited
 * (to anyone else it does not exist). A ban in a private group hides it like any other outsider.
 */
export function checkJoin(state: GroupState | null | undefined): void {
  const s = checkVisible(state);
  if (s.role !== null) throw new ChatError('CHAT_ERR_ALREADY_MEMBER');
  if (s.banned) throw new ChatError('CHAT_ERR_BANNED');
}

/** Where a new member's view starts: after the last seq at the join for `joined` history, else the beginning. */
export function visibleAfter(history: HistoryVisibility, lastSeq: number): number {
  return history === 'joined' ? lastSeq : 0;
}

/** The history a new group gets unless told: `joined` for private groups, `shared` for public ones. */
export function defaultHistory(isPrivate: boolean): HistoryVisibility {
  return isPrivate ? 'joined' : 'shared';
}

/** What a store reads about the user a moderator acts on. */
export interface TargetState {
  self: boolean;
  role: Role | null;
  invited: boolean;
  banned: boolean;
}

/** The target of a moderator's request, from its standing in the group (null: none). */
export function targetState(self: boolean, s: Pick<TargetState, 'role' | 'invited' | 'banned'> | null): TargetState {
  return { self, role: s?.role ?? null, invited: s?.invited ?? false, banned: s?.banned ?? false };
}

/** group_invite: idempotent for someone already invited (the push goes again). */
export function checkInvite(actor: GroupState | null | undefined, target: TargetState): void {
  checkModerator(actor);
  if (target.self) throw new ChatError('CHAT_ERR_SELF');
  if (target.role !== null) throw new ChatError('CHAT_ERR_USER_ALREADY_MEMBER');
  if (target.banned) throw new ChatError('CHAT_ERR_USER_BANNED');
}

export function checkDecline(state: GroupState | null | undefined): void {
  if (!checkVisible(state).invited) throw new ChatError('CHAT_ERR_NO_INVITE');
}

/** group_kick: the target must be a member the actor may act on. */
export function checkKick(actor: GroupState | null | undefined, target: TargetState): void {
  const role = checkModerator(actor);
  if (target.self) throw new ChatError('CHAT_ERR_SELF');
  if (target.role === null) throw new ChatError('CHAT_ERR_USER_NOT_MEMBER');
  if (!canActOn(role, target.role)) throw new ChatError('CHAT_ERR_FORBIDDEN');
}

/** group_ban: a member (who is removed) or anyone else, before they ever join. */
export function checkBan(actor: GroupState | null | undefined, target: TargetState): void {
  const role = checkModerator(actor);
  if (target.self) throw new ChatError('CHAT_ERR_SELF');
  if (target.banned) throw new ChatError('CHAT_ERR_ALREADY_BANNED');
  if (target.role !== null && !canActOn(role, target.role)) throw new ChatError('CHAT_ERR_FORBIDDEN');
}

export function checkUnban(actor: GroupState | null | undefined, target: TargetState): void {
  checkModerator(actor);
  if (!target.banned) throw new ChatError('CHAT_ERR_NOT_BANNED');
}

/** group_role: the creator makes a member an admin or an admin a member; idempotent. */
export function checkSetRole(actor: GroupState | null | undefined, target: TargetState): void {
  checkCreator(actor);
  if (target.self) throw new ChatError('CHAT_ERR_SELF');
  if (target.role === null) throw new ChatError('CHAT_ERR_USER_NOT_MEMBER');
}

/** group_transfer: the creator hands its role to another member and becomes an admin. */
export function checkTransfer(actor: GroupState | null | undefined, target: TargetState): void {
  checkCreator(actor);
  if (target.self) throw new ChatError('CHAT_ERR_SELF');
  if (target.role === null) throw new ChatError('CHAT_ERR_USER_NOT_MEMBER');
}

/** The role the creator keeps after a transfer. */
export const FORMER_CREATOR_ROLE: Role = 'admin';

/** At most one per role, as the store reads them after a leave: the earliest-joined admin and member, and the creator. */
export interface SuccessorCandidate {
  userId: number;
  role: Role;
}

/**
 * Who becomes creator when the creator leaves (or is deleted): the admin who joined earliest,
 * else the member who joined earliest; null when nobody is left. (When a member left, the
 * creator is still there and afterLeave ignores the answer but for "somebody is left".)
 */
export function pickSuccessor(candidates: readonly SuccessorCandidate[]): number | null {
  const first = (role: Role) => candidates.find((c) => c.role === role);
  return (first('admin') ?? first('member') ?? first('creator'))?.userId ?? null;
}
