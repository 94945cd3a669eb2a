// AdminWatch with a fake store and sessions: which actions close sessions and with what, paging
// through many new rows, no re-run of what was there at start, and a failed read retried.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AdminActionRow } from '../../../lib/db/store.ts';
import { createLogger } from '../../../lib/logger.ts';
import { AdminWatch } from '../../../lib/server/admin-watch.ts';

const test = suite('AdminWatch');
const log = createLogger('silent');

function world(initial: number) {
  const rows: AdminActionRow[] = [];
  let failNext = false;
  const add = (action: AdminActionRow['action'], targetId: number) =>
    rows.push({ id: initial + rows.length + 1, actor: 'op', action, targetId, target: `u${targetId}`, at: 0, detail: {} });
  const store = {
    lastAdminActionId: async () => {
      if (failNext) {
        failNext = false;
        throw new Error('db down');
      }
      return rows.at(-1)?.id ?? initial;
    },
    adminActionsAfter: async (id: number, limit: number) => rows.filter((r) => r.id > id).slice(0, limit),
  };
  const ended: { user: number; line: string }[] = [];
  const sessions = { of: (user: number) => [1, 2].map(() => ({ end: (line: string) => ended.push({ user, line }) })) as never[] };
  let forgotten = 0;
  const watch = new AdminWatch(store, sessions, log, 3_600_000, () => forgotten++);
  return { add, watch, ended, fail: () => (failNext = true), forgotten: () => forgotten };
}

test('closes the sessions of suspended, reset and deleted accounts, with their codes; others are only logged', async () => {
  const w = world(0);
  await w.watch.start();
  w.add('suspend', 7);
  w.add('unsuspend', 7);
  w.add('add_user', 8);
  w.add('reset_password', 9);
  w.add('delete_account', 10);
  await w.watch.poll();
  assert.equal(w.ended.map((e) => [e.user, JSON.parse(e.line).code]), [
    [7, 'CHAT_ERR_SUSPENDED'], [7, 'CHAT_ERR_SUSPENDED'], [9, 'CHAT_ERR_SESSION_REVOKED'], [9, 'CHAT_ERR_SESSION_REVOKED'],
    [10, 'CHAT_ERR_SESSION_REVOKED'], [10, 'CHAT_ERR_SESSION_REVOKED'],
  ]);
  assert.ok(w.ended.every((e) => JSON.parse(e.line).id === null));
  assert.is(w.forgotten(), 1);
  await w.watch.poll();
  assert.is(w.ended.length, 6, 'nothing is carried out twice');
  await w.watch.stop();
});

test('starts after the actions already there, pages through many, and retries after a failed read', async () => {
  const w = world(50); // ids 1..50 existed before start: carried out by whoever ran then
  await w.watch.start();
  for (let i = 0; i < 250; i++) w.add('suspend', i);
  w.fail();
  await w.watch.poll();
  assert.is(w.ended.length, 0, 'the failed read did nothing');
  await w.watch.poll();
  assert.is(w.ended.length, 500, 'every one of 250 actions, two sessions each');
  assert.equal([w.ended[0]!.user, w.ended.at(-1)!.user], [0, 249]);
  await w.watch.stop();
});

test.run();
