// reporter(): every occurrence counted, at most one log line per interval, and the line after a
// quiet spell says how many were held back. A fake clock and a fake logger.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPORT_INTERVAL_MS, reporter } from '../../lib/report.ts';
import { fakeLog } from '../helpers/fake-log.ts';

test('counts every occurrence, logs the first of each interval, and then how many it held back', () => {
  const { log, lines } = fakeLog();
  let now = 1_000_000;
  const counted: unknown[] = [];
  const report = reporter(log, 'warn', 'thing dropped', { now: () => now, count: (f) => void counted.push(f.n) });
  for (let n = 1; n <= 5; n++) report({ n });
  assert.equal(counted, [1, 2, 3, 4, 5]);
  assert.equal(lines, [{ level: 'warn', fields: { n: 1 }, msg: 'thing dropped' }]);

  now += REPORT_INTERVAL_MS - 1;
  report({ n: 6 });
  assert.is(lines.length, 1, 'still inside the interval');

  now += 1;
  report({ n: 7 });
  assert.equal(lines[1], { level: 'warn', fields: { n: 7, suppressed: 5 }, msg: 'thing dropped' });

  now += REPORT_INTERVAL_MS;
  report({ n: 8 });
  assert.equal(lines[2]!.fields, { n: 8 }, 'nothing was held back this time');
  assert.is(counted.length, 8);
});

test('each reporter has its own interval', () => {
  const { log, lines } = fakeLog();
  const now = () => 5;
  const a = reporter(log, 'error', 'a failed', { now });
  const b = reporter(log, 'warn', 'b failed', { now });
  a();
  a();
  b();
  assert.equal(lines.map((l) => [l.level, l.msg]), [['error', 'a failed'], ['warn', 'b failed']]);
});

test.run();
