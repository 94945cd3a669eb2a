import type { HandlerTable } from '../context.ts';
import { accountDelete } from './account-delete.ts';
import { ack } from './ack.ts';
import { block, blocked, unblock } from './block.ts';
import { conversations } from './conversations.ts';
import { deleteMessage } from './delete.ts';
import { edit } from './edit.ts';
import { friendAccept } from './friend-accept.ts';
import { friendAdd } from './friend-add.ts';
import { friendDecline } from './friend-decline.ts';
import { friendRemove } from './friend-remove.ts';
import { friends } from './friends.ts';
import { groupCreate } from './group-create.ts';
import { groupDecline } from './group-decline.ts';
import { groupDelete } from './group-delete.ts';
import { groupInvite } from './group-invite.ts';
import { groupBan, groupKick } from './group-remove.ts';
import { groupRole } from './group-role.ts';
import { groupSet } from './group-set.ts';
import { groupTopic } from './group-topic.ts';
import { groupTransfer } from './group-transfer.ts';
import { groupUnban } from './group-unban.ts';
import { groupJoin } from './group-join.ts';
import { groupLeave } from './group-leave.ts';
import { groupMembers } from './group-members.ts';
import { groups } from './groups.ts';
import { groupsPublic } from './groups-public.ts';
import { hello } from './hello.ts';
import { history } from './history.ts';
import { login } from './login.ts';
import { mute } from './mute.ts';
import { logout } from './logout.ts';
import { passwd } from './passwd.ts';
import { ping } from './ping.ts';
import { react } from './react.ts';
import { read } from './read.ts';
import { receipts } from './receipts.ts';
import { register } from './register.ts';
import { search } from './search.ts';
import { send } from './send.ts';
import { sessions } from './sessions.ts';
import { sessionsRevoke } from './sessions-revoke.ts';
import { sync } from './sync.ts';
import { typing } from './typing.ts';
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
  group_invite: groupInvite,
  group_decline: groupDecline,
  group_kick: groupKick,
  group_ban: groupBan,
  group_unban: groupUnban,
  group_role: groupRole,
  group_transfer: groupTransfer,
  group_topic: groupTopic,
  group_set: groupSet,
  group_delete: groupDelete,
  groups_public: groupsPublic,
  send,
  edit,
  delete: deleteMessage,
  react,
  history,
  sync,
  ack,
  read,
  unread,
  conversations,
  mute,
  block,
  unblock,
  blocked,
  typing,
  receipts,
  search,
};
