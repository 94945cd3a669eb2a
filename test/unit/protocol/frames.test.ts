// Every frame builder writes exactly JSON.stringify of the object docs/protocol.md documents, keys
// in the documented order; the hand-written ones (message push, send result, encoded reply) also
// over edge-case and random strings. Then every server line quoted in docs/protocol.md is rebuilt
// with the builders and must come out byte for byte.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../../lib/protocol/errors.ts';
import {
  encodedReplyFrame, errorFrame, eventPush, friendRequestPush, friendUpdatePush, groupEventPush, groupInvitePush, messagePush, messageViewPush,
  notifyLevelPush, receiptPush, typingPush, blockedChangedPush, hiddenPush,
  cursorResultJson, presencePush, replyFrame, sendResultJson,
} from '../../../lib/protocol/frames.ts';
import type { MessageView, PushFrame } from '../../../lib/protocol/messages.ts';

const line = (o: object) => JSON.stringify(o) + '\n';

// Strings that JSON.stringify escapes, and some it leaves alone that look like it might.
const NASTY = [
  '', 'plain', 'quote " and \\ backslash', 'new\nline\r\ttab', '\u0000\u001f\u007f', 'NEL \u0085 LS \u2028 PS \u2029',
  'lone \ud800 high', 'lone \udfff low', '😀 and ẞ', '{"type":"message"}', '</script>', 'x'.repeat(3000),
];

function randomString(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 20);
  for (let i = 0; i < n; i++) {
    const range = Math.floor(rand() * 4);
    const code = range === 0 ? Math.floor(rand() * 0x80) : range === 1 ? Math.floor(rand() * 0x800) : range === 2 ? 0xd800 + Math.floor(rand() * 0x800) : Math.floor(rand() * 0x10000);
    s += String.fromCharCode(code);
  }
  return s;
}

function seeded(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

test('replies: ok and error frames are {id, ok, result} and {id, ok, code, message}', () => {
  for (const id of [1, -7, 0, Number.MAX_SAFE_INTEGER, 'x-1', null, 'quo"te\\', 'lone \ud800']) {
    const result = { conversation: 'c1', seq: 2 };
    assert.is(replyFrame(id, result), line({ id, ok: true, result }));
    assert.is(encodedReplyFrame(id, JSON.stringify(result)), line({ id, ok: true, result }), String(id));
    assert.is(encodedReplyFrame(id, '{}'), line({ id, ok: true, result: {} }));
    assert.is(errorFrame(id, 'CHAT_ERR_NO_SUCH_USER', 'who?'), line({ id, ok: false, code: 'CHAT_ERR_NO_SUCH_USER', message: 'who?' }));
  }
});

test('connection-level errors: id null and the code\'s documented sentence by default', () => {
  for (const code of ['CHAT_ERR_IDLE_TIMEOUT', 'CHAT_ERR_SHUTTING_DOWN', 'CHAT_ERR_TOO_MANY_CONNECTIONS', 'CHAT_ERR_SLOW_CONSUMER', 'CHAT_ERR_LOGIN_TIMEOUT', 'CHAT_ERR_LINE_TOO_LONG'] as const) {
    assert.is(errorFrame(null, code), line({ id: null, ok: false, code, message: ERROR_CODES[code] }));
  }
});

test('sendResultJson is JSON.stringify of {conversation, seq, ts, duplicate}', () => {
  for (const duplicate of [false, true]) {
    const r = { conversation: 'c42', seq: 9_007_199_254_740_991, ts: '2026-11-26T15:52:29.361Z', duplicate };
    assert.is(sendResultJson(r), JSON.stringify({ conversation: r.conversation, seq: r.seq, ts: r.ts, duplicate: r.duplicate }));
  }
});

test('cursorResultJson is JSON.stringify of {conversation, delivered|read}', () => {
  for (const cursor of ['delivered', 'read'] as const) {
    for (const seq of [0, 7, 9_007_199_254_740_991]) {
      assert.is(cursorResultJson('c42', cursor, seq), JSON.stringify({ conversation: 'c42', [cursor]: seq }));
    }
  }
});

test('small pushes: presence, friend_request, friend_update, group_event', () => {
  for (const name of NASTY) {
    assert.is(presencePush(name, true), line({ type: 'presence', user: name, online: true }));
    assert.is(presencePush(name, false), line({ type: 'presence', user: name, online: false }));
    assert.is(friendRequestPush(name), line({ type: 'friend_request', from: name }));
    for (const status of ['accepted', 'declined', 'removed'] as const) {
      assert.is(friendUpdatePush(name, status), line({ type: 'friend_update', user: name, status }));
    }
    for (const event of ['joined', 'left', 'creator', 'deleted'] as const) {
      assert.is(groupEventPush(`g ${name}`, name, event), line({ type: 'group_event', group: `g ${name}`, user: name, event }));
    }
    for (const notify of ['all', 'mentions', 'none'] as const) {
      assert.is(notifyLevelPush({ conversation: 'c9', with: name, notify }), line({ type: 'notify_level', conversation: 'c9', with: name, notify }));
      assert.is(notifyLevelPush({ conversation: 'c9', group: name, notify }), line({ type: 'notify_level', conversation: 'c9', group: name, notify }));
    }
    assert.is(blockedChangedPush(name, true), line({ type: 'blocked_changed', user: name, blocked: true }));
    assert.is(typingPush('c3', name, null), line({ type: 'typing', conversation: 'c3', from: name }));
    assert.is(typingPush('c3', name, `g ${name}`), line({ type: 'typing', conversation: 'c3', from: name, group: `g ${name}` }));
    assert.is(receiptPush('c3', name, 12), line({ type: 'receipt', conversation: 'c3', from: name, read: 12 }));
  }
});

/** The message push as docs/protocol.md documents it (the message object, keys in table order). */
function documentedMessage(v: { conversation: string; seq: number; from: string; to?: string; group?: string; text: string; ts: string; client_msg_id?: string }): string {
  return line({
    type: 'message', conversation: v.conversation, seq: v.seq, from: v.from,
    ...(v.to !== undefined ? { to: v.to } : { group: v.group }),
    text: v.text, ts: v.ts,
    ...(v.client_msg_id !== undefined ? { client_msg_id: v.client_msg_id } : {}),
  });
}

function checkMessage(from: string, name: string, text: string, clientMsgId: string | null, seq = 1): void {
  const ts = '2026-11-26T15:52:29.361Z';
  for (const target of ['to', 'group'] as const) {
    const view: MessageView = { conversation: 'c12', seq, from, [target]: name, text, ts, ...(clientMsgId === null ? {} : { client_msg_id: clientMsgId }) };
    const expected = documentedMessage(view);
    assert.is(messagePush('c12', seq, from, target, name, text, ts, clientMsgId), expected, JSON.stringify([from, name, text, clientMsgId]));
    assert.is(messageViewPush(view), expected);
  }
}

test('messagePush equals JSON.stringify of the documented message object on edge-case strings', () => {
  for (const s of NASTY) {
    checkMessage(s, 'bob', 'hi', null);
    checkMessage('alice', s, 'hi', 'm-1');
    checkMessage('alice', 'bob', s, null);
    checkMessage('alice', 'bob', 'hi', s);
  }
  checkMessage('alice', 'bob', 'hi', null, Number.MAX_SAFE_INTEGER);
});

test('a reply, an edited or deleted message, and each event push as the documented object', () => {
  const ts = '2026-11-26T15:52:29.361Z';
  for (const name of NASTY) {
    const reply = { seq: 3, from: name, excerpt: name };
    assert.is(messagePush('c1', 4, 'alice', 'to', 'bob', 'hi', ts, 'm-1', reply),
      line({ type: 'message', conversation: 'c1', seq: 4, from: 'alice', to: 'bob', text: 'hi', ts, reply_to: reply, client_msg_id: 'm-1' }));
    const mentions = [name, 'Carol Smith'];
    assert.is(messagePush('c1', 4, 'alice', 'group', 'g', 'hi', ts, null, null, mentions),
      line({ type: 'message', conversation: 'c1', seq: 4, from: 'alice', group: 'g', text: 'hi', ts, mentions }));
    const mentioning: MessageView = { conversation: 'c1', seq: 4, from: 'alice', group: 'g', text: 'hi', ts, reply_to: reply, mentions, client_msg_id: 'm-2' };
    assert.is(messageViewPush(mentioning), line({ type: 'message', ...mentioning }), 'the re-sync pushes the mentions');
    const view: MessageView = { conversation: 'c1', seq: 4, from: 'alice', to: 'bob', text: 'hi', ts, reply_to: reply, client_msg_id: name };
    assert.is(messageViewPush(view), line({ type: 'message', ...view }));
    const edited: MessageView = { conversation: 'c1', seq: 4, kind: 'message', from: name, group: 'g', text: '', ts, edited_at: ts, deleted: true };
    const { kind: _k, ...rest } = edited;
    assert.is(messageViewPush(edited), line({ type: 'message', ...rest }), 'a message as it is now, without its kind');
    for (const kind of ['edit', 'delete', 'reaction'] as const) {
      const e: MessageView = { conversation: 'c1', seq: 5, kind, target: 4, from: name, to: 'bob', text: kind === 'edit' ? name : '', ...(kind === 'reaction' ? { emoji: name, removed: true as const } : {}), ts };
      const { kind: _kind, ...fields } = e;
      const expected = line({ type: kind, ...fields });
      assert.is(eventPush(kind, e), expected);
      assert.is(messageViewPush(e), expected, 'the re-sync pushes an event as its own type');
    }
  }
});

test('hiddenPush keeps a message\'s or event\'s place and drops all of its content', () => {
  const ts = '2026-11-26T15:52:29.361Z';
  const reply = { seq: 1, from: 'carol', excerpt: 'the secret quoted' };
  const msg = messagePush('c4', 7, 'bob', 'group', 'rust', 'the secret', ts, 'b-1', reply);
  assert.is(hiddenPush(msg), line({ type: 'message', conversation: 'c4', seq: 7, from: 'bob', group: 'rust', text: '', ts, hidden: true }));
  const view = { conversation: 'c4', seq: 8, target: 3, from: 'bob', group: 'rust', text: '', emoji: '🤫', ts, client_msg_id: 'b-2' } as MessageView;
  assert.is(hiddenPush(eventPush('reaction', view)), line({ type: 'reaction', conversation: 'c4', seq: 8, target: 3, from: 'bob', group: 'rust', text: '', ts, hidden: true }));
  const edit = { ...view, text: 'new secret', emoji: undefined } as unknown as MessageView;
  assert.ok(!hiddenPush(eventPush('edit', edit)).includes('secret'));
});

test('messagePush equals JSON.stringify of the documented message object on random strings', () => {
  const rand = seeded(14);
  for (let i = 0; i < 2000; i++) {
    checkMessage(randomString(rand), randomString(rand), randomString(rand), rand() < 0.5 ? null : randomString(rand), 1 + Math.floor(rand() * 1e6));
  }
});

// ---- the examples in docs/protocol.md ----

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** Every whole JSON object the server sends that the page quotes: replies and pushes, not requests. */
function serverLines(): string[] {
  const out: string[] = [];
  for (const raw of doc.split('\n')) {
    if (raw.includes('→')) continue; // a request
    const at = raw.indexOf('{"');
    if (at === -1) continue;
    const text = raw.slice(at).trimEnd();
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue; // prose with an elided frame, or an inline fragment
    }
    if ('ok' in frame || !('id' in frame)) out.push(text);
  }
  return out;
}

function rebuild(frame: Record<string, any>): string {
  if ('ok' in frame) {
    if (frame.ok === false) return errorFrame(frame.id, frame.code, frame.message);
    for (const { kind, ...m } of (frame.result?.messages ?? []) as MessageView[]) {
      // history and sync pages hold message objects: the documented keys, in the push's order (sync adds the kind)
      if (kind !== undefined && kind !== 'message') continue;
      assert.is(JSON.stringify({ type: 'message', ...m }) + '\n', messageViewPush(m), JSON.stringify(m));
    }
    return replyFrame(frame.id, frame.result);
  }
  const push = frame as PushFrame;
  switch (push.type) {
    case 'message': return messageViewPush(push);
    case 'edit': case 'delete': case 'reaction': {
      const { type, ...view } = push;
      return eventPush(type, view as MessageView);
    }
    case 'presence': return presencePush(push.user, push.online);
    case 'friend_request': return friendRequestPush(push.from);
    case 'friend_update': return friendUpdatePush(push.user, push.status);
    case 'group_event': {
      const { type: _t, group, user, event, ...details } = push;
      return groupEventPush(group, user, event, details);
    }
    case 'group_invite': return groupInvitePush(push.group, push.from, push.desc);
    case 'typing': return typingPush(push.conversation, push.from, push.group ?? null);
    case 'receipt': return receiptPush(push.conversation, push.from, push.read);
    case 'notify_level': { const { type: _t, ...level } = push; return notifyLevelPush(level); }
    case 'blocked_changed': return blockedChangedPush(push.user, push.blocked);
    default: throw new Error(`docs/protocol.md quotes a push no builder makes: ${JSON.stringify(frame)}`);
  }
}

test('every reply and push quoted in docs/protocol.md is what the builders write, byte for byte', () => {
  const lines = serverLines();
  const kinds = new Set(lines.map((l) => {
    const f = JSON.parse(l) as Record<string, unknown>;
    return 'ok' in f ? `ok:${f.ok}` : String(f.type);
  }));
  // The page quotes each kind; if the extraction broke, this test would check nothing.
  for (const kind of ['ok:true', 'ok:false', 'message', 'presence', 'friend_request', 'friend_update', 'group_event', 'group_invite', 'notify_level', 'typing', 'receipt']) {
    assert.ok(kinds.has(kind), `found a quoted ${kind} frame`);
  }
  assert.ok(lines.length > 60, `found ${lines.length} quoted frames`);
  for (const l of lines) assert.is(rebuild(JSON.parse(l) as Record<string, any>), l + '\n');
});

test.run();
