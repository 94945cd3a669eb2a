import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_MSG_ID_MAX } from '../../../lib/protocol/messages.ts';
import { newClientMsgId } from '../../../lib/client/client-msg-id.ts';

test('client message ids are UUIDv7: distinct, within the protocol limit, and in creation order', () => {
  const ids = Array.from({ length: 5000 }, () => newClientMsgId()); // many share a millisecond
  assert.is(new Set(ids).size, ids.length);
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(id.length <= CLIENT_MSG_ID_MAX);
  }
  const sorted = [...ids].sort();
  assert.equal(sorted, ids, 'a later id sorts after an earlier one, also within one millisecond');
});

test.run();
