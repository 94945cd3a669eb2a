// The token form of `login` against the real SqliteStore on ':memory:': the expiry it answers is
// the one stored, it moves only when it is more than a step old, and an expired or revoked token
// is refused and never brought back.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bus } from '../../../lib/bus/bus.ts';
import { SqliteStore } from '../../../lib/db/sqlite-store.ts';
import { createLogger } from '../../../lib/logger.ts';
import { nameKey } from '../../../lib/protocol/names.ts';
import type { SessionUser } from '../../../lib/server/connection.ts';
import type { HandlerContext } from '../../../lib/server/context.ts';
import { hashToken } from '../../../lib/server/credentials.ts';
import { login, TOKEN_SLIDE_STEP } from '../../../lib/server/handlers/login.ts';
import { logout } from '../../../lib/server/handlers/logout.ts';
import { FailureThrottle } from '../../../lib/server/throttle.ts';
import { rejectsWith } from '../../helpers/assert.ts';

const TTL = 3_600_000;
const test = suite('login by token');
let store: SqliteStore;

test.before.each(() => {
  store = SqliteStore.open(':memory:');
});
test.after.each(async () => {
  await store.close();
});

function context(): HandlerContext & { session: { user: SessionUser | null } } {
  const session = {
    id: 'n1:1',
    remote: '127.0.0.1',
    user: null as SessionUser | null,
    signIn: async (u: SessionUser) => {
      session.user = u;
    },
    signOut: async () => {
      session.user = null;
    },
  };
  const bus = { publish() {}, subscribe() {}, sessionOpened: async () => true, sessionClosed: async () => true } as unknown as Bus;
  return {
    session,
    store,
    bus,
    log: createLogger('silent'),
    config: { nodeId: 'n1', maxLineBytes: 65536, maxTextLength: 100, tokenTtlMs: TTL },
    loginThrottle: { byAccount: new FailureThrottle(1000, 60_000), byAddress: new FailureThrottle(1000, 60_000) },
    append: () => {
      throw new Error('not used');
    },
  } as unknown as HandlerContext & { session: { user: SessionUser | null } };
}

/** The token's user if it is valid at `now`, read by a resume that never slides (writes nothing). */
const userByToken = async (tokenHash: string, now: number) => (await store.resumeToken(tokenHash, now, now + 1, now + 1))?.user ?? null;

const resume = async (ctx: HandlerContext, token: string) => {
  const r = await login(ctx, { type: 'login', token } as never);
  return r as { user_id: number; user: string; token: string; token_expires: string };
};

test('slides the expiry to now + TTL and answers exactly the stored expiry', async () => {
  const alice = await store.createUser('Alice', nameKey('Alice'), 'unused');
  await store.saveToken(hashToken('tok-a'), alice.id, Date.now() + 1000);
  const before = Date.now();
  const ctx = context();
  const r = await resume(ctx, 'tok-a');
  assert.is(r.user_id, alice.id);
  assert.is(r.token, 'tok-a');
  assert.is(ctx.session.user?.tokenHash, hashToken('tok-a'));
  const expires = Date.parse(r.token_expires);
  assert.ok(expires >= before + TTL && expires <= Date.now() + TTL, 'now + TTL');
  // stored as answered: valid at the answered expiry minus 1 ms, not at it
  assert.equal(await userByToken(hashToken('tok-a'), expires - 1), alice);
  assert.is(await userByToken(hashToken('tok-a'), expires), null);
});

test('a token renewed less than a step ago keeps its expiry, and the reply says that expiry', async () => {
  const dan = await store.createUser('Dan', nameKey('Dan'), 'unused');
  const step = TTL * TOKEN_SLIDE_STEP;
  const recent = Date.now() + TTL - step / 2; // renewed half a step ago
  await store.saveToken(hashToken('tok-d'), dan.id, recent);
  const r = await resume(context(), 'tok-d');
  assert.is(Date.parse(r.token_expires), recent);
  assert.is(await userByToken(hashToken('tok-d'), recent), null, 'not moved');
  // renewed more than a step ago: it moves to now + TTL
  const old = Date.now() + TTL - step * 2;
  await store.saveToken(hashToken('tok-d'), dan.id, old);
  const before = Date.now();
  const moved = Date.parse((await resume(context(), 'tok-d')).token_expires);
  assert.ok(moved >= before + TTL, 'slid to now + TTL');
  assert.equal(await userByToken(hashToken('tok-d'), moved - 1), dan);
  assert.is(await userByToken(hashToken('tok-d'), moved), null);
});

test('an expired token is refused and stays expired', async () => {
  const bob = await store.createUser('Bob', nameKey('Bob'), 'unused');
  const expiredAt = Date.now() - 1;
  await store.saveToken(hashToken('tok-b'), bob.id, expiredAt);
  const ctx = context();
  await rejectsWith(resume(ctx, 'tok-b'), 'CHAT_ERR_TOKEN_INVALID');
  assert.is(ctx.session.user, null);
  assert.equal(await userByToken(hashToken('tok-b'), expiredAt - 1), bob, 'its expiry did not move');
  assert.is(await userByToken(hashToken('tok-b'), expiredAt), null);
});

test('logout revokes the token: the next resume is refused', async () => {
  const carol = await store.createUser('Carol', nameKey('Carol'), 'unused');
  await store.saveToken(hashToken('tok-c'), carol.id, Date.now() + 1000);
  const ctx = context();
  await resume(ctx, 'tok-c');
  await logout(ctx, { type: 'logout' } as never);
  assert.is(ctx.session.user, null);
  await rejectsWith(resume(context(), 'tok-c'), 'CHAT_ERR_TOKEN_INVALID');
  assert.is(await userByToken(hashToken('tok-c'), 0), null, 'not re-created');
});

test.run();
