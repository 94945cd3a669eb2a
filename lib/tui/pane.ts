// The conversation pane as viewport blocks: the line above the loaded window, one bubble per
// message (laid out only when the viewport reaches it, and cached per message object), the
// pending messages, and a line below a window that stops short of the newest message.
import type { MessageView } from '../protocol/messages.ts';
import { FOUND_MARKER, layoutBubble, markerLine, NEW_MARKER, type Line } from './layout.ts';
import type { Theme } from './theme.ts';
import type { TimeFormats } from './time-format.ts';
import { firstNewIndex, type Conversation } from './state.ts';
import { HEAD, lowerBound, type Blocks } from './viewport.ts';

export const BEGINNING = ' beginning of conversation ';
export const LOADING_OLDER = ' loading older messages… ';
export const MORE_OLDER = ' PgUp: older messages ';
export const LOADING_NEWER = ' loading newer messages… ';

const TAIL = -2;
const PENDING = -10;

export interface PaneBlocks extends Blocks {
  lines(index: number): Line[];
}

interface Cached {
  width: number;
  group: boolean;
  marked: boolean;
  picked: boolean;
  found: boolean;
  receipt: 'sent' | 'read' | undefined;
  lines: Line[];
}

/** Messages drawn apart: the one picked in selection mode, the search result shown. */
export interface PaneMarks {
  pick?: number | null | undefined;
  found?: number | undefined;
}

/** Bubble layouts by message object: messages are never changed in place, and dropped ones are collected. */
export class BubbleCache {
  private readonly cache = new WeakMap<MessageView, Cached>();

  /** `style`: the theme and time formats every bubble is drawn with (the config's) */
  constructor(readonly style: { theme?: Theme | undefined; time?: TimeFormats | undefined } = {}) {}

  get(m: MessageView, me: string, width: number, group: boolean, marked: boolean, picked = false, found = false, receipt?: 'sent' | 'read'): Line[] {
    const c = this.cache.get(m);
    if (c && c.width === width && c.group === group && c.marked === marked && c.picked === picked && c.found === found && c.receipt === receipt) return c.lines;
    const { theme, time } = this.style;
    const lines = layoutBubble(m, m.from === me, { width, me, group, pick: picked ? m.seq : null, receipt, ...(theme ? { theme } : {}), ...(time ? { time } : {}) });
    if (found) lines.unshift(markerLine(FOUND_MARKER, width, theme));
    if (marked) lines.unshift(markerLine(NEW_MARKER, width, theme));
    this.cache.set(m, { width, group, marked, picked, found, receipt, lines });
    return lines;
  }
}

export function paneBlocks(conv: Conversation, me: string, width: number, cache: BubbleCache, marks: PaneMarks = {}): PaneBlocks {
  const group = conv.kind === 'group';
  const msgs = conv.messages;
  const head = conv.historyLoaded && (msgs.length > 0 || conv.older !== 'start') ? 1 : 0;
  const pending = conv.newer === 'none' ? conv.pending : [];
  const tail = conv.newer === 'none' ? 0 : 1;
  const marked = firstNewIndex(conv, me);
  const count = head + msgs.length + pending.length + tail;
  const pendingLines = new Map<number, Line[]>();
  const { theme, time } = cache.style;
  const headLine = () => markerLine(conv.older === 'start' ? BEGINNING : conv.older === 'loading' ? LOADING_OLDER : MORE_OLDER, width, theme);
  const lines = (i: number): Line[] => {
    if (i < head) return [headLine()];
    const mi = i - head;
    if (mi < msgs.length) {
      const m = msgs[mi]!;
      // 1:1: my messages say whether the peer has read them
      const receipt = group || m.from !== me ? undefined : m.seq <= (conv.peerRead ?? 0) ? 'read' : 'sent';
      return cache.get(m, me, width, group, mi === marked, m.seq === marks.pick, m.seq === marks.found, receipt);
    }
    const pi = mi - msgs.length;
    if (pi < pending.length) {
      let l = pendingLines.get(pi);
      if (!l) pendingLines.set(pi, (l = layoutBubble({ from: me, text: pending[pi]!.text, ts: '' }, true, { width, me, group, ...(theme ? { theme } : {}), ...(time ? { time } : {}) }, true)));
      return l;
    }
    return [markerLine(LOADING_NEWER, width, theme)];
  };
  return {
    count,
    lines,
    height: (i) => lines(i).length,
    key(i) {
      if (i < head) return HEAD;
      const mi = i - head;
      if (mi < msgs.length) return msgs[mi]!.seq;
      const pi = mi - msgs.length;
      return pi < pending.length ? PENDING - pi : TAIL;
    },
    indexOf(key) {
      if (key === HEAD) return 0;
      if (key === TAIL) return count - 1;
      if (key <= PENDING) return Math.min(count - 1, head + msgs.length + (PENDING - key));
      return Math.min(count - 1, head + lowerBound(msgs.length, (j) => msgs[j]!.seq, key));
    },
  };
}
