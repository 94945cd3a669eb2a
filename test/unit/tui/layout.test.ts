// Bubble layout and terminal widths: every line exactly as wide as the pane, borders of one
// bubble in one column whatever the text holds (CJK, emoji, combining marks, tabs, markup).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { layoutBubble, layoutConversation, MENTION_MARK, NEW_MARKER, safe, SENDING } from '../../../lib/tui/layout.ts';
import { resolveTheme } from '../../../lib/tui/theme.ts';
import { decodeClusters, encodeClusters } from '../../../lib/tui/blessed-unicode.ts';
import { codePointWidth, graphemes, strWidth, truncate, wrap } from '../../../lib/tui/width.ts';
import type { MessageView } from '../../../lib/protocol/messages.ts';

const widths = suite('width');

widths('ASCII is one column, CJK and emoji two, combining marks and ZWJ none', () => {
  assert.is(strWidth('abc'), 3);
  assert.is(strWidth('中文'), 4);
  assert.is(strWidth('한국어'), 6);
  assert.is(strWidth('😀'), 2);
  assert.is(strWidth('🎉x'), 3);
  assert.is(strWidth('ｆｕｌｌ'), 8); // fullwidth forms
  assert.is(strWidth('e\u0301'), 1); // e + combining acute
  assert.is(codePointWidth(0x200d), 0); // zero-width joiner
  assert.is(codePointWidth(0xfe0f), 0); // variation selector 16
  assert.is(strWidth('\u{20000}'), 2); // CJK extension B (a surrogate pair)
  assert.is(strWidth('☕'), 2); // BMP emoji with emoji presentation
  assert.is(strWidth('é'), 1);
});

widths('a grapheme cluster is measured as the terminal draws it: ZWJ sequences, flags, skin tones, keycaps take two columns', () => {
  const family = '👨\u200d👩\u200d👧';
  assert.is(strWidth(family), 2);
  assert.is(strWidth('🇩🇪'), 2);
  assert.is(strWidth('👍🏽'), 2);
  assert.is(strWidth('❤️'), 2); // text-default heart + VS16
  assert.is(strWidth('#️⃣'), 2);
  assert.is(strWidth('🏳️‍🌈'), 2);
  assert.is(strWidth(`a${family}b🇩🇪c`), 7);
  assert.equal(graphemes(`x${family}🇩🇪👍🏽`), ['x', family, '🇩🇪', '👍🏽']);
});

widths('wrap and truncate cut between clusters, never inside one', () => {
  const family = '👨\u200d👩\u200d👧';
  const text = `${family}${family}${family}🇩🇪🇩🇪👍🏽👍🏽`;
  for (let width = 2; width <= 9; width++) {
    for (const line of wrap(text, width)) {
      assert.ok(strWidth(line) <= width);
      for (const g of graphemes(line)) assert.ok([family, '🇩🇪', '👍🏽'].includes(g), `${JSON.stringify(line)} split a cluster`);
    }
  }
  assert.is(truncate(text, 5), `${family}${family}…`);
});

widths('blessed gets each multi-code-point cluster as one code point, and the output puts it back', () => {
  const family = '👨\u200d👩\u200d👧';
  const text = `{bold}hi ${family} 🇩🇪 e\u0301 中 \u{f0001}{/bold}`;
  const encoded = encodeClusters(text);
  assert.is([...encoded].length, [...'{bold}hi X X X 中 X{/bold}'].length, 'one code point per cluster');
  assert.is(decodeClusters(encoded), text);
  assert.is(encodeClusters('plain ascii {tags}'), 'plain ascii {tags}');
});

widths('wrap keeps every line within the width and never splits a wide character', () => {
  const samples = [
    'hello world this is a fairly long sentence that needs wrapping',
    '中文字符测试中文字符测试中文字符测试中文字符测试',
    '😀😀😀😀😀😀😀😀😀😀😀😀😀 emoji run',
    'a中b😀c'.repeat(10),
    'averyveryveryverylongwordwithoutanyspaceatallthatmustbecut',
    'tab\tseparated\ttext',
    'line one\nline two\n\nline four',
  ];
  for (const width of [2, 3, 5, 7, 10, 13, 20]) {
    for (const text of samples) {
      const lines = wrap(text, width);
      for (const line of lines) assert.ok(strWidth(line) <= width, `${JSON.stringify(line)} is wider than ${width}`);
      // nothing but spaces is lost
      assert.is(lines.join('').replace(/\s/g, ''), text.replace(/\s/g, ''), `text lost at width ${width}`);
    }
  }
});

widths('wrap breaks at spaces when it can and keeps explicit newlines', () => {
  assert.equal(wrap('the quick brown fox', 10), ['the quick', 'brown fox']);
  assert.equal(wrap('a\nb', 10), ['a', 'b']);
  assert.equal(wrap('中文中文中', 4), ['中文', '中文', '中']);
  assert.equal(wrap('ab😀', 3), ['ab', '😀']);
});

widths('truncate respects widths and marks the cut', () => {
  assert.is(truncate('abcdef', 4), 'abc…');
  assert.is(truncate('中文中文', 5), '中文…');
  assert.is(truncate('short', 10), 'short');
  assert.ok(strWidth(truncate('😀😀😀', 4)) <= 4);
});

const bubbles = suite('bubbles');

const msg = (seq: number, from: string, text: string, extra: Partial<MessageView> = {}): MessageView => ({
  conversation: 'c1', seq, from, to: from === 'me' ? 'you' : 'me', text, ts: '2026-11-26T10:00:00.000Z', ...extra,
});

/** The column of every box-drawing border character in a plain line. */
function borderColumns(line: string): number[] {
  const cols: number[] = [];
  let x = 0;
  for (const ch of line) {
    if ('│╭╮╰╯'.includes(ch)) cols.push(x);
    x += strWidth(ch);
  }
  return cols;
}

const texts = [
  'hi',
  'hello 😀 world',
  '中文消息，宽字符在气泡里。'.repeat(4),
  '🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉',
  'mixed 中文 and emoji 😀 and ASCII words that go on and on and on to wrap several times',
  'e\u0301 combining and tab\there',
  'line1\nline2 中\n😀',
  '{red-fg}not markup{/red-fg}',
];

bubbles('every line is exactly the pane width and the borders of a bubble line up', () => {
  for (const width of [12, 20, 33, 40, 61, 80, 120]) {
    for (const text of texts) {
      for (const mine of [true, false]) {
        const lines = layoutBubble(msg(1, mine ? 'me' : 'someone', text), mine, { width, me: 'me', group: true, now: new Date('2026-11-26T12:00:00Z') });
        assert.ok(lines.length >= 3);
        const left = borderColumns(lines[0]!.plain)[0];
        const right = borderColumns(lines[0]!.plain).at(-1);
        for (const l of lines) {
          assert.is(strWidth(l.plain), width, `width ${width}: ${JSON.stringify(l.plain)}`);
          const cols = borderColumns(l.plain);
          assert.is(cols[0], left, `left border moved: ${JSON.stringify(l.plain)}`);
          assert.is(cols.at(-1), right, `right border moved: ${JSON.stringify(l.plain)}`);
        }
        assert.ok(right! < width, 'the bubble stays inside the pane');
      }
    }
  }
});

bubbles('own messages sit on the right, others on the left', () => {
  const mine = layoutBubble(msg(1, 'me', 'hi'), true, { width: 60, me: 'me', group: false });
  const theirs = layoutBubble(msg(2, 'you', 'hi'), false, { width: 60, me: 'me', group: false });
  assert.ok(borderColumns(mine[1]!.plain)[0]! > 30);
  assert.is(borderColumns(theirs[1]!.plain)[0], 1);
});

bubbles('groups show the sender; 1:1 shows only the time', () => {
  const now = new Date('2026-11-26T12:00:00');
  const ts = new Date('2026-11-26T09:05:00').toISOString();
  const g = layoutBubble(msg(1, 'alice', 'hi', { ts }), false, { width: 60, me: 'me', group: true, now });
  assert.match(g[0]!.plain, /alice · 09:05/);
  const d = layoutBubble(msg(1, 'alice', 'hi', { ts }), false, { width: 60, me: 'me', group: false, now });
  assert.not.match(d[0]!.plain, /alice/);
  assert.match(d[0]!.plain, /09:05/);
});

bubbles('markup and control characters in a message come out as inert text', () => {
  const lines = layoutBubble(msg(1, 'x', '\x1b]0;pwned\x07\x1b[2J{red-fg}boo{/red-fg}\u202eevil'), false, { width: 80, me: 'me', group: false });
  const tagged = lines.map((l) => l.tagged).join('\n');
  assert.not.ok(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/.test(tagged), 'no control or bidi characters survive');
  assert.ok(tagged.includes('{open}red-fg{close}boo'), 'braces are escaped for blessed');
  assert.ok(lines[1]!.plain.includes(']0;pwned[2J{red-fg}boo{/red-fg}evil'));
  assert.is(safe('{bold}'), '{open}bold{close}');
});

bubbles('long messages wrap inside the bubble', () => {
  const text = 'word '.repeat(100).trim();
  const lines = layoutBubble(msg(1, 'x', text), false, { width: 50, me: 'me', group: false });
  assert.ok(lines.length > 8);
  const body = lines.slice(1, -1).map((l) => l.plain.replace(/^ *│ | *│ *$/g, '').trim()).join(' ');
  assert.is(body, text);
});

bubbles('a marker line goes above the first new message from someone else', () => {
  const messages = [msg(1, 'you', 'old'), msg(2, 'me', 'mine'), msg(3, 'you', 'new one'), msg(4, 'you', 'newer')];
  const lines = layoutConversation(messages, { width: 50, me: 'me', group: false, newFrom: 2 }).map((l) => l.plain);
  const marker = lines.findIndex((l) => l.includes(NEW_MARKER.trim()));
  assert.ok(marker > 0);
  assert.ok(lines.slice(marker).join('\n').includes('new one'));
  assert.not.ok(lines.slice(marker).join('\n').includes('mine'), 'own message 2 is not new');
  assert.is(lines.filter((l) => l.includes(NEW_MARKER.trim())).length, 1);
  const none = layoutConversation(messages, { width: 50, me: 'me', group: false });
  assert.not.ok(none.some((l) => l.plain.includes(NEW_MARKER.trim())));
});

bubbles('a pending message comes after the stored ones, on my side, marked as sending', () => {
  const lines = layoutConversation([msg(1, 'you', 'stored')], { width: 50, me: 'me', group: true, pending: [{ text: 'on its way' }] });
  const text = lines.map((l) => l.plain).join('\n');
  assert.ok(text.indexOf('stored') < text.indexOf('on its way'));
  const top = lines.find((l) => l.plain.includes(SENDING))!;
  assert.ok(top, 'the pending bubble says it is sending');
  assert.ok(top.plain.startsWith(' '.repeat(10)), 'on the right, like my other messages');
  assert.ok(lines.every((l) => strWidth(l.plain) === 50));
});

bubbles('a message that mentions me (the server\'s mentions) is highlighted and marked; @me in the text alone is not', () => {
  const theme = resolveTheme({}, false);
  const o = { width: 60, me: 'Me', group: true, theme };
  const base = { conversation: 'c1', seq: 3, from: 'carol', group: 'dev', text: 'hi @me', ts: '2026-11-26T10:00:00.000Z' };
  const marked = layoutBubble({ ...base, mentions: ['bob', 'me'] }, false, o);
  assert.ok(marked[0]!.plain.includes(MENTION_MARK));
  assert.ok(marked.every((l) => l.tagged.includes(theme.tag.highlight.open)), 'every line in the highlight colour');
  const plain = layoutBubble(base, false, o);
  assert.not.ok(plain[0]!.plain.includes(MENTION_MARK));
  assert.not.ok(plain[1]!.tagged.includes(theme.tag.highlight.open));
  assert.not.ok(layoutBubble({ ...base, mentions: ['bob'] }, false, o)[0]!.plain.includes(MENTION_MARK), 'someone else\'s mention');
  assert.not.ok(layoutBubble({ ...base, from: 'Me', mentions: ['Me'] }, true, o)[0]!.plain.includes(MENTION_MARK), 'not my own message');
});

widths.run();
bubbles.run();
