import type { HandlerTable } from '../context.ts';
import { accountDelete } from './account-delete.ts';
import { ack } from './ack.ts';
import { conversations } from './conversations.ts';
import { friendAccept } from './friend-accept.ts';
import { friendAdd } from './friend-add.ts';
import { friendDecline } from './friend-decline.ts';
import { friendRemove } from './friend-remove.ts';
import { friends } from './friends.ts';
import { groupCreate } from './group-create.ts';
import { groupJoin } from './group-join.ts';
import { groupLeave } from './group-leave.ts';
import { groupMembers } from './group-members.ts';
import { groups } from './groups.ts';
import { hello } from './hello.ts';
import { history } from './history.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { passwd } from './passwd.ts';
import { ping } from './ping.ts';
import { read } from './read.ts';
import { register } from './register.ts';
import { send } from './send.ts';
import { sessions } from './sessions.ts';
import { sessionsRevoke } from './sessions-revoke.ts';
import { sync } from './sync.ts';
import { unread } from './unread.ts';

/** One entry per request type: a type without a handler does not compile. */
export const handlers: HandlerTable = {
  hello,
  register,
  login,
  logout,
  passwd,
  sessions,
  sessions_revoke: sessionsRevoke,
  account_delete: accountDelete,
  ping,
  friends,
  friend_add: friendAdd,
  friend_accept: friendAccept,
  friend_decline: friendDecline,
  friend_remove: friendRemove,
  groups,
  group_create: groupCreate,
  group_join: groupJoin,
  group_leave: groupLeave,
  group_members: groupMembers,
  send,
  history,
  sync,
  ack,
  read,
  unread,
  conversations,
};
