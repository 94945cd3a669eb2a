// What an arriving message asks for: a bell (and a desktop notification), a mark in the
// hotlist. Pure: the controller asks `alertFor` about each message, and the notifier
// (lib/tui/notifier.ts) does the ringing.
import type { MessageView, NotifyLevel } from '../protocol/messages.ts';
import { mentionsMe } from './mention.ts';
import { isEvent, keyOfMessage, type Conversation, type State } from './state.ts';

export type NotificationLevel = NotifyLevel;

/**
 * The one place that decides how loud a conversation is: the level the server stores for it
 * (set by /mute and /unmute on any device). `none` never rings; `mentions` rings only for
 * messages that mention me (the server's `mentions`), in a group or a direct conversation
 * alike; `all` rings for those and for every direct message (each is meant for me), since plain
 * group talk rings at no level.
 */
export function notificationLevel(conversation: Conversation | undefined): NotificationLevel {
  return conversation?.notify ?? 'all';
}

export interface Alert {
  key: string;
  from: string;
  /** the first line of the text */
  line: string;
  mention: boolean;
}

/**
 * Whether `m`, arriving in state `s`, rings: a direct message or a mention of me, from someone
 * else, in a conversation I am not looking at (another one is open, or the terminal does not
 * have focus), as loud as the conversation's level lets it be (notificationLevel). `mention` in
 * the answer is a group mention (the notifier's `mentions` option); a direct message is `direct`.
 */
export function alertFor(s: State, m: MessageView): Alert | null {
  // an edit, deletion or reaction is not news: it never rings
  if (s.screen !== 'chat' || m.from === s.me || isEvent(m) || m.hidden) return null;
  const key = keyOfMessage(m, s.me);
  const conv = s.conversations[key];
  if (conv?.messages.some((x) => x.seq === m.seq) || (conv && m.seq <= conv.read)) return null; // seen already
  const looking = s.open === key && s.terminalFocused;
  if (looking) return null;
  const direct = m.group === undefined;
  const mentioned = mentionsMe(m, s.me);
  const level = notificationLevel(conv);
  if (level === 'none' || !(mentioned || (direct && level === 'all'))) return null;
  return { key, from: m.from, line: m.text.split('\n', 1)[0]!, mention: !direct };
}
