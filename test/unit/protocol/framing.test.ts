// LineDecoder and encodeFrame. The decoder is pure, so it is fed the same bytes split at every
// boundary (as mysql2 tests its packet parser) and must decode the same lines each time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ErrorCode } from '../../../lib/protocol/errors.ts';
import { DEFAULT_MAX_LINE_BYTES, encodeFrame, LineDecoder } from '../../../lib/protocol/framing.ts';

/** Feeds every chunk in order; returns the lines and the first fatal code. */
function decode(chunks: Buffer[], max?: number): { lines: string[]; error: ErrorCode | null; decoder: LineDecoder } {
  const decoder = new LineDecoder(max);
  const lines: string[] = [];
  let error: ErrorCode | null = null;
  for (const chunk of chunks) {
    const code = decoder.push(chunk, (line) => lines.push(line));
    if (code && !error) error = code;
  }
  return { lines, error, decoder };
}

/** Splits `bytes` at the given offsets (ascending, inside the buffer). */
function splitAt(bytes: Buffer, points: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const byteByByte = (bytes: Buffer): Buffer[] => Array.from(bytes, (b) => Buffer.from([b]));

/** The reference split: by \n, one trailing \r dropped, empty lines skipped, an unfinished tail held. */
function expectedLines(text: string): string[] {
  const parts = text.split('\n');
  parts.pop(); // no newline after it: not a line yet
  return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.length > 0);
}

// ---------------------------------------------------------------------------------------------

const boundaries = suite('LineDecoder: same lines at every split');

// Several frames: CJK, emoji (4-byte, and a ZWJ sequence), astral CJK (4-byte), a combining
// accent, a CRLF line, empty lines (bare and CRLF) and an unfinished tail.
const STREAM_TEXT = [
  '{"id":1,"type":"hello","version":1}\n',
  '{"id":2,"type":"send","to":"李雷","text":"你好，世界 🌍"}\n',
  '\n',
  '{"id":3,"type":"send","group":"𝔊roup","text":"𠜎𠜱 four bytes 😀👩‍👩‍👧"}\r\n',
  '\r\n',
  '\n\n',
  '{"id":4,"type":"send","to":"zoë","text":"e\u0301 café ñ ß"}\n',
  '{"id":5,"type":"ping"}\n',
  '{"id":6,"type":"send","to":"bob","text":"tail without newl',
].join('');
const STREAM = Buffer.from(STREAM_TEXT, 'utf8');
const STREAM_LINES = expectedLines(STREAM_TEXT);
const TAIL_BYTES = Buffer.byteLength(STREAM_TEXT.slice(STREAM_TEXT.lastIndexOf('\n') + 1));

// A shorter stream for every pair of split points: still multi-byte, CRLF and empty lines.
const SHORT_TEXT = 'a\u00e9\n\n你好\r\n😀𠜎\n\r\nz';
const SHORT = Buffer.from(SHORT_TEXT, 'utf8');
const SHORT_LINES = expectedLines(SHORT_TEXT);

boundaries('the reference stream holds what the tests claim', () => {
  assert.is(STREAM_LINES.length, 5);
  assert.ok(STREAM.length > STREAM_TEXT.length, 'multi-byte characters present');
  assert.ok(STREAM_TEXT.includes('\r\n') && STREAM_TEXT.includes('\n\n'));
  const whole = decode([STREAM]);
  assert.is(whole.error, null);
  assert.equal(whole.lines, STREAM_LINES);
  assert.is(whole.decoder.buffered, TAIL_BYTES);
  for (const line of whole.lines) JSON.parse(line);
});

boundaries('every single split point gives the same lines', () => {
  for (let i = 0; i <= STREAM.length; i++) {
    const r = decode(splitAt(STREAM, [i]));
    assert.is(r.error, null, `split at ${i}`);
    assert.equal(r.lines, STREAM_LINES, `split at ${i}`);
    assert.is(r.decoder.buffered, TAIL_BYTES, `split at ${i}`);
  }
});

boundaries('every pair of split points gives the same lines (short stream)', () => {
  let runs = 0;
  for (let i = 0; i <= SHORT.length; i++) {
    for (let j = i; j <= SHORT.length; j++) {
      const r = decode(splitAt(SHORT, [i, j]));
      assert.is(r.error, null, `split at ${i},${j}`);
      assert.equal(r.lines, SHORT_LINES, `split at ${i},${j}`);
      runs++;
    }
  }
  assert.ok(runs > 100);
  assert.equal(SHORT_LINES, ['a\u00e9', '你好', '😀𠜎']);
});

boundaries('byte by byte gives the same lines', () => {
  const r = decode(byteByByte(STREAM));
  assert.is(r.error, null);
  assert.equal(r.lines, STREAM_LINES);
  assert.is(r.decoder.buffered, TAIL_BYTES);
});

boundaries('finishing the tail later emits it as one more line', () => {
  const r = decode([...byteByByte(STREAM), Buffer.from('ine"}\n')]);
  assert.is(r.error, null);
  assert.equal(r.lines, [...STREAM_LINES, '{"id":6,"type":"send","to":"bob","text":"tail without newline"}']);
  assert.is(r.decoder.buffered, 0);
});

boundaries('empty chunks change nothing', () => {
  const chunks = splitAt(STREAM, [5, 5, 40, 40, 41]);
  const r = decode([Buffer.alloc(0), ...chunks, Buffer.alloc(0)]);
  assert.equal(r.lines, STREAM_LINES);
});

boundaries('a CR inside a line is kept; only the one before \\n is dropped', () => {
  assert.equal(decode([Buffer.from('a\rb\r\r\n')]).lines, ['a\rb\r']);
});

// ---------------------------------------------------------------------------------------------

const limits = suite('LineDecoder: maxLineBytes');
const MAX = 16;
const x = (n: number) => Buffer.from('x'.repeat(n));

limits('a line of exactly maxLineBytes passes: one chunk, byte by byte, with CRLF', () => {
  const line = 'x'.repeat(MAX);
  assert.equal(decode([Buffer.from(line + '\n')], MAX).lines, [line]);
  assert.equal(decode(byteByByte(Buffer.from(line + '\n')), MAX).lines, [line]);
  assert.equal(decode([Buffer.from(line + '\r\n')], MAX).lines, [line]);
  const trickled = decode(byteByByte(Buffer.from(line + '\r\n')), MAX);
  assert.is(trickled.error, null);
  assert.equal(trickled.lines, [line]);
});

limits('a line of exactly maxLineBytes counts bytes, not characters', () => {
  const line = '你好世界й'; // 4 × 3 + 2 = 14 bytes
  const exact = line + 'xy'; // 16 bytes
  assert.equal(decode(byteByByte(Buffer.from(exact + '\n')), MAX).lines, [exact]);
  const over = line + '😀'; // 18 bytes in 6 characters
  assert.is(decode([Buffer.from(over + '\n')], MAX).error, 'CHAT_ERR_LINE_TOO_LONG');
});

limits('maxLineBytes + 1 fails in one chunk, with \\n, with \\r\\n, and after buffered data', () => {
  assert.is(decode([Buffer.from('x'.repeat(MAX + 1) + '\n')], MAX).error, 'CHAT_ERR_LINE_TOO_LONG');
  assert.is(decode([Buffer.from('x'.repeat(MAX + 1) + '\r\n')], MAX).error, 'CHAT_ERR_LINE_TOO_LONG');
  assert.is(decode([x(MAX + 1)], MAX).error, 'CHAT_ERR_LINE_TOO_LONG');
  assert.is(decode([x(10), Buffer.from('x'.repeat(MAX + 1 - 10) + '\n')], MAX).error, 'CHAT_ERR_LINE_TOO_LONG');
  // the limit is per line: good lines before it are still delivered
  const r = decode([Buffer.from('ok\n' + 'x'.repeat(MAX + 1) + '\nnever\n')], MAX);
  assert.is(r.error, 'CHAT_ERR_LINE_TOO_LONG');
  assert.equal(r.lines, ['ok']);
});

limits('maxLineBytes + 1 trickling in byte by byte without a newline fails on its last byte', () => {
  const decoder = new LineDecoder(MAX);
  const lines: string[] = [];
  for (let i = 1; i <= MAX; i++) {
    assert.is(decoder.push(x(1), (l) => lines.push(l)), null, `byte ${i}`);
    assert.is(decoder.buffered, i);
  }
  assert.is(decoder.push(x(1), (l) => lines.push(l)), 'CHAT_ERR_LINE_TOO_LONG');
  assert.is(decoder.failed, 'CHAT_ERR_LINE_TOO_LONG');
  assert.is(decoder.buffered, 0);
  assert.equal(lines, []);
});

limits('a long line without newline never buffers more than maxLineBytes + 1', () => {
  for (const chunkSize of [1, 2, 3, 5, 7, MAX, MAX + 1, MAX + 2, 100]) {
    const decoder = new LineDecoder(MAX);
    let failedAt = -1;
    for (let sent = 0; sent < 10 * MAX; sent += chunkSize) {
      const code = decoder.push(x(chunkSize), () => assert.unreachable('no line'));
      assert.ok(decoder.buffered <= MAX + 1, `chunk ${chunkSize}: buffered ${decoder.buffered}`);
      if (code) {
        assert.is(code, 'CHAT_ERR_LINE_TOO_LONG');
        failedAt = sent + chunkSize;
        break;
      }
    }
    assert.ok(failedAt > MAX && failedAt <= MAX + chunkSize, `chunk ${chunkSize}: failed after ${failedAt} bytes`);
  }
});

limits('a CR at byte maxLineBytes + 1 is held, but anything after it fails', () => {
  const decoder = new LineDecoder(MAX);
  assert.is(decoder.push(Buffer.from('x'.repeat(MAX) + '\r'), () => {}), null);
  assert.is(decoder.buffered, MAX + 1);
  assert.is(decoder.push(x(1), () => {}), 'CHAT_ERR_LINE_TOO_LONG');
  assert.is(decode([Buffer.from('x'.repeat(MAX) + '\rx\n')], MAX).error, 'CHAT_ERR_LINE_TOO_LONG');
});

limits('the default limit is 64 KiB', () => {
  assert.is(DEFAULT_MAX_LINE_BYTES, 64 * 1024);
  const exact = 'y'.repeat(DEFAULT_MAX_LINE_BYTES);
  const ok = decode([Buffer.from(exact.slice(0, 1000)), Buffer.from(exact.slice(1000) + '\n')]);
  assert.is(ok.error, null);
  assert.is(ok.lines[0]!.length, DEFAULT_MAX_LINE_BYTES);
  assert.is(decode([Buffer.from(exact + 'y\n')]).error, 'CHAT_ERR_LINE_TOO_LONG');
});

// ---------------------------------------------------------------------------------------------

const utf8 = suite('LineDecoder: invalid UTF-8');
const bytes = (...b: number[]) => Buffer.from(b);

const INVALID: [string, Buffer][] = [
  ['a lone 0xff', bytes(0x61, 0xff, 0x62)],
  ['a lone continuation byte', bytes(0x80)],
  ['a truncated 3-byte sequence', bytes(0xe2, 0x82)],
  ['a truncated 4-byte sequence', bytes(0xf0, 0x9f, 0x98)],
  ['an overlong "/" (c0 af)', bytes(0xc0, 0xaf)],
  ['an overlong NUL (e0 80 80)', bytes(0xe0, 0x80, 0x80)],
  ['an encoded surrogate (ed a0 80)', bytes(0xed, 0xa0, 0x80)],
  ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
];

for (const [label, body] of INVALID) {
  utf8(`${label} fails with CHAT_ERR_BAD_UTF8, in one chunk and byte by byte`, () => {
    const line = Buffer.concat([body, bytes(0x0a)]);
    assert.is(decode([line]).error, 'CHAT_ERR_BAD_UTF8');
    assert.is(decode(byteByByte(line)).error, 'CHAT_ERR_BAD_UTF8');
    assert.is(decode([Buffer.concat([body, bytes(0x0d, 0x0a)])]).error, 'CHAT_ERR_BAD_UTF8');
  });
}

utf8('lines before the bad one are delivered, lines after it are not', () => {
  const stream = Buffer.concat([Buffer.from('good 😀\n'), bytes(0xe2, 0x82, 0x0a), Buffer.from('after\n')]);
  for (let i = 0; i <= stream.length; i++) {
    const r = decode(splitAt(stream, [i]));
    assert.is(r.error, 'CHAT_ERR_BAD_UTF8', `split at ${i}`);
    assert.equal(r.lines, ['good 😀'], `split at ${i}`);
  }
});

// ---------------------------------------------------------------------------------------------

const failed = suite('LineDecoder: after a failure');

for (const [code, trigger] of [
  ['CHAT_ERR_BAD_UTF8', bytes(0xff, 0x0a)],
  ['CHAT_ERR_LINE_TOO_LONG', x(MAX + 2)],
] as const) {
  failed(`after ${code} every push returns it and no line is emitted`, () => {
    const decoder = new LineDecoder(MAX);
    const lines: string[] = [];
    assert.is(decoder.push(trigger, (l) => lines.push(l)), code);
    assert.is(decoder.failed, code);
    for (const more of [Buffer.from('fine\n'), Buffer.from('\n'), Buffer.alloc(0), bytes(0xff)]) {
      assert.is(decoder.push(more, (l) => lines.push(l)), code);
      assert.is(decoder.failed, code);
      assert.is(decoder.buffered, 0);
    }
    assert.equal(lines, []);
  });
}

failed('a fresh decoder has not failed', () => {
  assert.is(new LineDecoder().failed, null);
});

// ---------------------------------------------------------------------------------------------

const encode = suite('encodeFrame');

encode('one frame is one line, whatever line breaks its strings hold', () => {
  const nasty = 'a\nb\rc\r\nd\u2028e\u2029f\u0085g\u000bh\u000ci\u0000j\u001b[2J';
  const frame = { type: 'message', text: nasty, from: 'x\ny', nested: { list: [nasty, '\n', '\r'] } };
  const line = encodeFrame(frame);
  assert.ok(line.endsWith('\n'));
  const body = line.slice(0, -1);
  // No C0 control survives raw, so neither \n nor \r can split the frame.
  assert.not.ok(/[\u0000-\u001f]/.test(body), 'a raw C0 control in the frame');
  const bytes = Buffer.from(line);
  assert.is(bytes.indexOf(0x0a), bytes.length - 1, 'the only 0x0a byte ends the frame');
  assert.is(bytes.indexOf(0x0d), -1);
  assert.equal(JSON.parse(body), frame);
});

encode('U+2028, U+2029 and NEL do not split a frame for the decoder', () => {
  const frame = { text: '\u2028\u2029\u0085'.repeat(3) };
  const r = decode([Buffer.from(encodeFrame(frame))]);
  assert.is(r.error, null);
  assert.is(r.lines.length, 1);
  assert.equal(JSON.parse(r.lines[0]!), frame);
});

encode('an encoded frame decodes to exactly one line, at every split', () => {
  const frame = { id: 7, ok: true, result: { text: '你好\n😀\r\n\u2028 end' } };
  const wire = Buffer.from(encodeFrame(frame) + encodeFrame({ type: 'presence', user: 'zoë', online: true }));
  for (let i = 0; i <= wire.length; i++) {
    const r = decode(splitAt(wire, [i]));
    assert.is(r.error, null);
    assert.is(r.lines.length, 2, `split at ${i}`);
    assert.equal(JSON.parse(r.lines[0]!), frame);
  }
});

boundaries.run();
limits.run();
utf8.run();
failed.run();
encode.run();
