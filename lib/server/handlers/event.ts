// What edit, delete and react share: the conversation is named as `history` names it (with,
// group or conversation), the event is stored as the conversation's next entry (Store.appendEvent,
// decided by rules.ts planEvent), and its push goes to every member's sessions through the bus,
// exactly as a message's does, so a client that misses it fills the gap with `sync`.
import type { EventResult, NewEvent } from '../../db/store.ts';
import { ChatError } from '../../protocol/errors.ts';
import { eventPush } from '../../protocol/frames.ts';
import { isoTime } from '../../protocol/json-text.ts';
import type { EventKind, MessageView } from '../../protocol/messages.ts';
import type { HandlerContext } from '../context.ts';
import { conversationId, me, resolveConversation } from './common.ts';

export interface EventRequest {
  with?: string | undefined;
  group?: string | undefined;
  conversation?: string | undefined;
  seq: number;
  client_msg_id?: string | undefined;
}

export interface AppliedEvent {
  conversation: string;
  result: EventResult;
}

export async function applyEvent(
  ctx: HandlerContext,
  body: EventRequest,
  kind: EventKind,
  text: string,
  remove = false,
): Promise<AppliedEvent> {
  const user = me(ctx);
  const row = await resolveConversation(ctx, body);
  const mark = ctx.removals.mark();
  const members = await ctx.store.memberIds(row.conversationId);
  const friendId = row.kind === 'direct' ? members.find((id) => id !== user.id) : undefined;
  const clientMsgId = body.client_msg_id ?? null;
  const event: NewEvent = { conversationId: row.conversationId, senderId: user.id, kind, target: body.seq, text, remove, clientMsgId, ts: Date.now(), friendId };
  const roster: { members?: readonly number[] } = {};
  const result = await ctx.store.appendEvent(event, row.kind === 'group' ? roster : undefined);
  const conversation = conversationId(row.conversationId);
  if (result.changed && !result.duplicate) {
    const view = { conversation, seq: result.seq, target: body.seq, from: user.name } as MessageView;
    if (row.kind === 'direct') view.to = row.peerName!;
    else view.group = row.groupName!;
    view.text = kind === 'edit' ? text : '';
    if (kind === 'reaction') {
      view.emoji = text;
      if (remove) view.removed = true;
    }
    view.ts = isoTime(result.ts);
    if (clientMsgId !== null) view.client_msg_id = clientMsgId;
    // Each push names its sender, so a session that blocked them gets a placeholder (Sessions).
    const publish = (users: readonly number[], frame: string) => {
      if (users.length > 0) ctx.bus.publish({ users, frame, exceptConn: ctx.session.id, sender: user.id });
    };
    // As for a message (send.ts): a removal since the list was read means reading it again.
    // The members as the event's transaction saw them where the store says (MySQL), else as
    // this node's removals decide.
    const to = roster.members !== undefined ? roster.members
      : row.kind === 'group' && ctx.removals.stale(mark)
      ? await ctx.removals.stillMembers(ctx.store, row.conversationId, members).catch((err: unknown) => {
        ctx.log.warn({ err, conversation }, 'member list read failed; event push skipped'); // the next sync has it
        return [];
      })
      : members;
    // An edit of a message from before a member's join (a `joined` group) must not show them
    // the new text: they get the event without it, as sync gives it them (messageView).
    const unseeing = row.kind === 'group' && kind === 'edit' ? await ctx.store.membersNotSeeing(row.conversationId, body.seq) : [];
    if (unseeing.length === 0) publish(to, eventPush(kind, view));
    else {
      const hidden = new Set(unseeing);
      const seeing = to.filter((u) => !hidden.has(u));
      const blind = to.filter((u) => hidden.has(u));
      if (seeing.length > 0) publish(seeing, eventPush(kind, view));
      if (blind.length > 0) publish(blind, eventPush(kind, { ...view, text: '' }));
    }
  }
  return { conversation, result };
}

/** The text of a send or an edit: bounded, and well-formed UTF-16. */
export function checkText(ctx: HandlerContext, text: string, type: string): void {
  if (text.length > ctx.config.maxTextLength) {
    throw new ChatError('CHAT_ERR_TEXT_TOO_LONG', `text is longer than ${ctx.config.maxTextLength} characters`);
  }
  if (!text.isWellFormed()) throw new ChatError('CHAT_ERR_BAD_FIELD', `${type}: "text" contains a lone surrogate`);
}
