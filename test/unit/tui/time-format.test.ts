import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { badTimeField, formatTimestamp, strftime } from '../../../lib/tui/time-format.ts';

test('strftime fills the fields it knows and leaves text alone', () => {
  const d = new Date(2026, 0, 5, 14, 7, 9);
  assert.is(strftime('%H:%M:%S', d), '14:07:09');
  assert.is(strftime('%I:%M %p', d), '02:07 PM');
  assert.is(strftime('%b %e, %Y (%d/%m/%y) 100%%', d), 'Jan 5, 2026 (05/01/26) 100%');
  assert.is(strftime('%I %p', new Date(2026, 0, 5, 0, 30)), '12 AM');
});

test('badTimeField names the first unknown field', () => {
  assert.is(badTimeField('%H:%M'), null);
  assert.is(badTimeField('%H:%Q:%Z'), '%Q');
  assert.is(badTimeField('ends in %'), '%');
});

test('today and older days use their own formats', () => {
  const now = new Date(2026, 10, 26, 12, 0);
  const formats = { today: '%H.%M', older: '%d/%m %H.%M' };
  assert.is(formatTimestamp(new Date(2026, 10, 26, 9, 5).toISOString(), formats, now), '09.05');
  assert.is(formatTimestamp(new Date(2026, 10, 20, 9, 5).toISOString(), formats, now), '20/11 09.05');
  assert.is(formatTimestamp('not a date', formats, now), '');
});

test.run();
