// A database at the schema before the accounts migration (sqlite 006, mysql 004) with a user and
// a resume token, and what the store must answer for them after the upgrade. Plain SQL that
// both dialects accept, so the two upgrade tests seed the same state.
import * as assert from 'uvu/assert';
import type { Store } from '../../lib/db/store.ts';

export const ACCOUNTS_SEED = `INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES (1, 'A', 'a', 'h', 5), (2, 'B', 'b', 'h', 6);
  INSERT INTO tokens (token_hash, user_id, expires_at, created_at) VALUES ('ta', 1, 9000000000000, 123);`;

/** What the upgraded store says about the seeded rows, and that the new writes work on them. */
export async function checkAccountsUpgrade(store: Store): Promise<void> {
  assert.equal(await store.accounts.credentialsByKey('a'), { id: 1, name: 'A', passwordHash: 'h', suspended: false });
  const [token] = await store.accounts.tokensOf(1, 0);
  assert.equal([token!.tokenHash, token!.createdAt, token!.lastUsedAt, token!.liveConn, token!.client], ['ta', 123, 123, null, null]);
  assert.equal((await store.accounts.accounts()).map((u) => [u.id, u.createdAt, u.lastLoginAt, u.suspended]), [[1, 5, null, false], [2, 6, null, false]]);
  assert.is(await store.accounts.lastAdminActionId(), 0);
  await store.accounts.sessionStarted({ userId: 1, tokenHash: 'ta', conn: 'n1:1', node: 'n1', address: '::1', client: 'c', at: 200 });
  assert.is((await store.accounts.tokensOf(1, 0))[0]!.liveConn, 'n1:1');
  await store.accounts.setSuspended(2, true, { actor: 'op', action: 'suspend', targetId: 2, target: 'B', at: 300, detail: {} });
  assert.is((await store.accounts.credentialsById(2))!.suspended, true);
  assert.is((await store.accounts.adminActionsAfter(0, 5)).length, 1);
  await store.accounts.deleteUser(2, 400, { actor: 'account B', action: 'delete_account', targetId: 2, target: 'B', at: 350, detail: {} });
  assert.equal([await store.accounts.nameReserved('b', 399), await store.accounts.nameReserved('b', 400)], [true, false]);
}
