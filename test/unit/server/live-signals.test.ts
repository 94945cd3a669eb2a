// Typing and receipt limits on an injected clock: no sleeps, every boundary exact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RECEIPT_INTERVAL_MS, ReceiptThrottle, TYPING_INTERVAL_MS, TypingGate, type Clock } from '../../../lib/server/live-signals.ts';

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    later: (ms, fn) => void timers.push({ at: now + ms, fn }),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
  };
}

const test = suite('live signals');

test('typing: one per interval per session and conversation', () => {
  const clock = fakeClock();
  const gate = new TypingGate(clock);
  assert.ok(gate.allow('n1:1', 5));
  assert.not.ok(gate.allow('n1:1', 5));
  assert.ok(gate.allow('n1:1', 6), 'another conversation');
  assert.ok(gate.allow('n1:2', 5), 'another session');
  clock.advance(TYPING_INTERVAL_MS - 1);
  assert.not.ok(gate.allow('n1:1', 5));
  clock.advance(1);
  assert.ok(gate.allow('n1:1', 5));
});

test('receipts: the first goes at once, a burst becomes one trailing receipt with the highest seq', () => {
  const clock = fakeClock();
  const sent: [number, number, number][] = [];
  const t = new ReceiptThrottle(clock);
  const move = (c: number, r: number, seq: number) => t.moved(c, r, seq, (s) => sent.push([c, r, s]));
  move(1, 7, 3);
  assert.equal(sent, [[1, 7, 3]]);
  move(1, 7, 5);
  move(1, 7, 4);
  move(2, 7, 1); // another conversation has its own window
  assert.equal(sent, [[1, 7, 3], [2, 7, 1]]);
  clock.advance(RECEIPT_INTERVAL_MS - 1);
  assert.is(sent.length, 2);
  clock.advance(1);
  assert.equal(sent, [[1, 7, 3], [2, 7, 1], [1, 7, 5]]);
  // the trailing receipt opened a window of its own
  move(1, 7, 6);
  assert.is(sent.length, 3);
  clock.advance(RECEIPT_INTERVAL_MS);
  assert.equal(sent.at(-1), [1, 7, 6]);
  // a quiet window ends, and the next move goes at once
  clock.advance(RECEIPT_INTERVAL_MS * 3);
  move(1, 7, 9);
  assert.equal(sent.at(-1), [1, 7, 9]);
  assert.is(sent.length, 5);
});

test('receipts: never more than one per interval however long the burst', () => {
  const clock = fakeClock();
  const at: number[] = [];
  const t = new ReceiptThrottle(clock);
  for (let i = 1; i <= 500; i++) {
    t.moved(1, 1, i, () => at.push(clock.now()));
    clock.advance(10);
  }
  clock.advance(RECEIPT_INTERVAL_MS);
  for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= RECEIPT_INTERVAL_MS, `receipts ${i - 1} and ${i}`);
  assert.is(at.length, 6, 'at 0, 1 s, … 5 s: one per interval over 5 s');
});

test.run();
