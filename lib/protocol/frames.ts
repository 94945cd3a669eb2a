/**
 * Every line the server sends, one function per frame type; each returns the encoded line
 * (ending in \n) with the keys in the order docs/protocol.md shows them. Pure: callers hand the
 * line to a connection or the bus. A unit test checks each builder against JSON.stringify of the
 * documented object and against the examples in docs/protocol.md.
 */
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { encodeFrame } from './framing.ts';
import { jsonString } from './json-text.ts';
import type { EventKind, GroupEventKind, GroupEventPush, MessageView, PushFrame, ReplyView, Results } from './messages.ts';
import type { RequestId } from './validate.ts';

type Push<T extends PushFrame['type']> = Extract<PushFrame, { type: T }>;

// ---- replies ----

/** `{"id","ok":true,"result"}` */
export function replyFrame(id: RequestId, result: unknown): string {
  return encodeFrame({ id, ok: true, result });
}

/** replyFrame for a result already encoded as JSON text (exactly JSON.stringify of the result). */
export function encodedReplyFrame(id: RequestId, resultJson: string): string {
  return `{"id":${typeof id === 'string' ? jsonString(id) : id},"ok":true,"result":${resultJson}}\n`;
}

/**
 * `{"id","ok":false,"code","message"}`: the reply to a failed request, and with id null the
 * server's last word before it closes a connection (idle timeout, shutdown, too many connections).
 */
export function errorFrame(id: RequestId, code: ErrorCode, message: string = ERROR_CODES[code]): string {
  return encodeFrame({ id, ok: false, code, message });
}

/**
 * JSON text of the `send` result, for encodedReplyFrame: the ack goes out once per message, so
 * it is written directly rather than through JSON.stringify. `conversation` and `ts` are
 * server-made (see messagePush) and written as they are.
 */
export function sendResultJson(r: Results['send']): string {
  return `{"conversation":"${r.conversation}","seq":${r.seq},"ts":"${r.ts}","duplicate":${r.duplicate}}`;
}

/**
 * JSON text of the `ack` and `read` results: real clients send one per conversation per tick,
 * about one per message. `conversation` is the request's own `c<digits>` id, which the handler
 * has parsed (parseConversationId) before a result exists, so it holds nothing JSON escapes.
 */
export function cursorResultJson(conversation: string, cursor: 'delivered' | 'read', seq: number): string {
  return `{"conversation":"${conversation}","${cursor}":${seq}}`;
}

// ---- pushes ----

/**
 * The `message` push: the same bytes as JSON.stringify({type:'message', ...view}) with the view's
 * keys in documented order. It is built once per stored message and shared by every recipient
 * session, so it is written as JSON text, from arguments rather than a view object (the `send`
 * path would allocate one only to read it back here). `conversation` (`c<digits>`, from
 * conversationId) and `ts` (from isoTime) are server-made, hold nothing JSON escapes, and are
 * written as they are; every name and text is escaped.
 */
export function messagePush(
  conversation: string,
  seq: number,
  from: string,
  target: 'to' | 'group',
  targetName: string,
  text: string,
  ts: string,
  clientMsgId: string | null,
  replyTo: ReplyView | null = null,
  mentions: readonly string[] | null = null,
): string {
  return `{"type":"message","conversation":"${conversation}","seq":${seq},"from":${jsonString(from)},"${target}":${jsonString(targetName)},"text":${jsonString(text)},"ts":"${ts}"${replyTo === null ? '' : `,"reply_to":${JSON.stringify(replyTo)}`}${mentions === null ? '' : `,"mentions":${JSON.stringify(mentions)}`}${clientMsgId === null ? '' : `,"client_msg_id":${jsonString(clientMsgId)}`}}\n`;
}

/**
 * The push of a stored entry (the re-sync after a bus reconnect pushes what storage has): a
 * `message` push, or an event's push (eventPush). A message that was edited or deleted since is
 * pushed as it is now, with edited_at or deleted.
 */
export function messageViewPush(m: MessageView): string {
  if (m.kind !== undefined && m.kind !== 'message') return eventPush(m.kind, m);
  if (m.edited_at !== undefined || m.deleted !== undefined || m.hidden !== undefined) {
    const { kind: _kind, ...rest } = m;
    return encodeFrame({ type: 'message', ...rest });
  }
  const target = m.to !== undefined ? 'to' : 'group';
  return messagePush(m.conversation, m.seq, m.from, target, m.to ?? m.group!, m.text, m.ts, m.client_msg_id ?? null, m.reply_to ?? null, m.mentions ?? null);
}

/**
 * The `edit`, `delete` and `reaction` pushes: the entry's view (docs/protocol.md) with the kind
 * as its type, keys in the view's order.
 */
export function eventPush(type: EventKind, view: MessageView): string {
  const { kind: _kind, ...rest } = view;
  return encodeFrame({ type, ...rest } satisfies Push<EventKind>);
}

export function presencePush(user: string, online: boolean): string {
  return encodeFrame({ type: 'presence', user, online } satisfies Push<'presence'>);
}

export function friendRequestPush(from: string): string {
  return encodeFrame({ type: 'friend_request', from } satisfies Push<'friend_request'>);
}

/** `from` is typing in the conversation (a group's members also get its name). Not stored. */
export function typingPush(conversation: string, from: string, group: string | null): string {
  return encodeFrame({ type: 'typing', conversation, from, ...(group === null ? {} : { group }) } satisfies Push<'typing'>);
}

/** The peer of a 1:1 conversation has read up to `read`. */
export function receiptPush(conversation: string, from: string, read: number): string {
  return encodeFrame({ type: 'receipt', conversation, from, read } satisfies Push<'receipt'>);
}

/** The user's own other sessions learn a new notification level (mute) at once. */
export function notifyLevelPush(level: Omit<Push<'notify_level'>, 'type'>): string {
  return encodeFrame({ type: 'notify_level', ...level } satisfies Push<'notify_level'>);
}

/** The user's own other sessions learn of a block or an unblock at once. */
export function blockedChangedPush(user: string, blocked: boolean): string {
  return encodeFrame({ type: 'blocked_changed', user, blocked } satisfies Push<'blocked_changed'>);
}

/**
 * An entry as a viewer who blocked its sender sees it: its place in the sequence (so the
 * viewer's seqs keep no gaps) and who and when, none of its content.
 */
export function hiddenView(m: MessageView): MessageView {
  const view = { conversation: m.conversation, seq: m.seq } as MessageView;
  if (m.kind !== undefined) view.kind = m.kind;
  if (m.target !== undefined) view.target = m.target;
  view.from = m.from;
  if (m.from_deleted) view.from_deleted = true;
  if (m.to !== undefined) view.to = m.to;
  if (m.group !== undefined) view.group = m.group;
  view.text = '';
  view.ts = m.ts;
  view.hidden = true;
  return view;
}

/** A reply's quote of a message whose sender the viewer blocked: who and which, not what. */
export function hiddenQuote(q: ReplyView): ReplyView {
  return { seq: q.seq, from: q.from, excerpt: '', hidden: true };
}

/** A pushed `message` line whose reply_to quotes a blocked sender: the same line with hiddenQuote. */
export function hiddenQuotePush(frame: string): string {
  const { type, ...view } = JSON.parse(frame) as { type: 'message' } & MessageView;
  if (view.reply_to !== undefined) view.reply_to = hiddenQuote(view.reply_to);
  return encodeFrame({ type, ...view });
}

/** hiddenView of a pushed `message` or event line: the same type, none of its content. */
export function hiddenPush(frame: string): string {
  const { type, ...view } = JSON.parse(frame) as { type: 'message' | EventKind } & MessageView;
  return encodeFrame({ type, ...hiddenView(view) });
}

export function friendUpdatePush(user: string, status: Push<'friend_update'>['status']): string {
  return encodeFrame({ type: 'friend_update', user, status } satisfies Push<'friend_update'>);
}

/** What a group_event adds after its event, in this key order. */
export type GroupEventDetails = Pick<GroupEventPush, 'by' | 'role' | 'desc' | 'private' | 'history'>;

export function groupEventPush(group: string, user: string, event: GroupEventKind, details: GroupEventDetails = {}): string {
  const frame: GroupEventPush = { type: 'group_event', group, user, event };
  if (details.by !== undefined) frame.by = details.by;
  if (details.role !== undefined) frame.role = details.role;
  if (details.desc !== undefined) frame.desc = details.desc;
  if (details.private !== undefined) frame.private = details.private;
  if (details.history !== undefined) frame.history = details.history;
  return encodeFrame(frame);
}

export function groupInvitePush(group: string, from: string, desc: string): string {
  return encodeFrame({ type: 'group_invite', group, from, desc } satisfies Push<'group_invite'>);
}
