import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FailureThrottle } from '../../../lib/server/throttle.ts';

test('a key is refused once it reaches the limit, until its window ends', () => {
  const t = new FailureThrottle(3, 1000);
  for (let i = 0; i < 3; i++) {
    assert.is(t.retryAfter('k', 100), 0);
    t.fail('k', 100);
  }
  assert.is(t.retryAfter('k', 100), 1000);
  assert.is(t.retryAfter('k', 600), 500);
  assert.is(t.retryAfter('other', 600), 0, 'keys are independent');
  assert.is(t.retryAfter('k', 1100), 0, 'the window ended');
  t.fail('k', 1100);
  assert.is(t.retryAfter('k', 1100), 0, 'a new window starts at one failure');
});

test('reset clears a key', () => {
  const t = new FailureThrottle(1, 1000);
  t.fail('k', 0);
  assert.ok(t.retryAfter('k', 0) > 0);
  t.reset('k');
  assert.is(t.retryAfter('k', 0), 0);
});

test('a limit of 0 turns the throttle off: nothing is counted or refused', () => {
  const t = new FailureThrottle(0, 1000);
  for (let i = 0; i < 100; i++) t.fail('k', 0);
  assert.is(t.retryAfter('k', 0), 0);
  assert.is((t as unknown as { windows: Map<string, unknown> }).windows.size, 0);
});

test('expired keys are swept once many are tracked, so memory stays bounded', () => {
  const t = new FailureThrottle(1, 10, 100);
  for (let i = 0; i < 100; i++) t.fail(`old${i}`, 0);
  t.fail('new', 50);
  assert.is((t as unknown as { windows: Map<string, unknown> }).windows.size, 1);
});

test.run();
