import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenBucket } from '../../../lib/server/token-bucket.ts';

test('a burst passes at once, then requests are spaced at the rate', () => {
  const b = new TokenBucket(10, 3, 0);
  assert.equal([b.take(0), b.take(0), b.take(0)], [0, 0, 0]);
  assert.is(b.take(0), 100, 'the 4th waits one token (100 ms at 10/s)');
  assert.is(b.take(0), 200, 'the 5th waits for the next one');
});

test('tokens refill with time, up to the burst', () => {
  const b = new TokenBucket(10, 3, 0);
  for (let i = 0; i < 3; i++) b.take(0);
  assert.is(b.take(1000), 0, 'a second later there are tokens again');
  assert.equal([b.take(1000), b.take(1000)], [0, 0]);
  assert.is(b.take(1000), 100, 'never more than the burst');
});

test('a clock that steps back takes no tokens away', () => {
  const b = new TokenBucket(10, 3, 1_000_000);
  assert.is(b.take(1_000_000 - 3_600_000), 0, 'an hour back: the burst is still there');
  assert.equal([b.take(1_000_000 - 3_600_000), b.take(1_000_000 - 3_600_000)], [0, 0]);
  assert.is(b.take(1_000_000 - 3_600_000), 100, 'then the rate holds from the new time');
});

test.run();
