import { BlockedSet } from '../blocked-set.ts';
import type { Credentials, UserRow } from '../../db/store.ts';
import { ChatError } from '../../protocol/errors.ts';
import { checkName, nameKey } from '../../protocol/names.ts';
import { decoy, hashToken, newToken, verifyPassword } from '../credentials.ts';
import type { Handler, HandlerContext } from '../context.ts';

/**
 * A token login moves the token's expiry to now + TTL only when the stored expiry is more than
 * this share of the TTL (1 day of 30) earlier: a client that reconnects often does not rewrite the
 * expiry each time, and its token lasts 29 to 30 days from its last use. (Every login still
 * records who holds the token, for `sessions`: one small write, sessionStarted.) docs/protocol.md.
 */
export const TOKEN_SLIDE_STEP = 1 / 30;

export const login: Handler<'login'> = async (ctx, body) => {
  if (ctx.session.user) throw new ChatError('CHAT_ERR_ALREADY_LOGGED_IN');
  const now = Date.now();
  let expires = now + ctx.config.tokenTtlMs;
  let user: UserRow | null;
  let token: string;
  let tokenHash: string;
  if ('token' in body) {
    // Resuming is not a password guess, so the password throttle neither refuses nor counts it:
    // failures by others on the same address (everyone behind a proxy that sends no PROXY header)
    // or on the same account must not lock out sessions that hold a token. Tokens are not
    // throttled at all: guessing a 256-bit secret is hopeless, and a wrong one costs one SHA-256
    // and one indexed read, like any other request under the per-connection rate limit.
    // The expiry slides forward when it was last moved more than a step ago (never by an upsert:
    // a token revoked meanwhile stays revoked); the reply says the expiry the token now has.
    tokenHash = hashToken(body.token);
    const slideIfBefore = expires - Math.floor(ctx.config.tokenTtlMs * TOKEN_SLIDE_STEP);
    const resumed = await ctx.store.resumeToken(tokenHash, now, expires, slideIfBefore);
    if (!resumed) throw loginFailed(ctx, 'CHAT_ERR_TOKEN_INVALID');
    ({ user, expiresAt: expires } = resumed);
    token = body.token;
  } else {
    const { byAccount, byAddress } = ctx.loginThrottle;
    const address = ctx.session.remote;
    const account = nameKey(body.user);
    // Refused before any hashing, so a guesser pays with time and the server with nothing.
    const wait = Math.max(byAddress.retryAfter(address, now), byAccount.retryAfter(account, now));
    if (wait > 0) throw new ChatError('CHAT_ERR_LOGIN_THROTTLED', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
    const check = checkName(body.user);
    // Read fresh, never from a cache: another node may have changed the password or suspended the account.
    const creds: Credentials | null = check.ok ? await ctx.store.accounts.credentialsByKey(check.key) : null;
    // Verify against a decoy when the user is unknown, so timing does not reveal which names exist.
    const ok = await verifyPassword(body.password, creds?.passwordHash ?? (await decoy()));
    if (!creds || !ok) {
      byAddress.fail(address, now);
      byAccount.fail(account, now);
      throw loginFailed(ctx, 'CHAT_ERR_AUTH_FAILED');
    }
    byAccount.reset(account);
    // Said only to someone who knows the password.
    if (creds.suspended) throw loginFailed(ctx, 'CHAT_ERR_SUSPENDED');
    user = { id: creds.id, name: creds.name, passwordHash: creds.passwordHash };
    ({ token, hash: tokenHash } = newToken());
    await ctx.store.saveToken(tokenHash, user.id, expires);
  }
  // A password login's token is new: if the login fails from here on (the connection closed
  // during the password check, say), no client will ever hold it, and it would stay listed in
  // `sessions` until it expired. A resumed token stays: its client has it.
  const dropNewToken = async (): Promise<void> => {
    if ('token' in body) return;
    await ctx.store.deleteToken(tokenHash).catch((err: unknown) => ctx.log.warn({ err, session: ctx.session.id }, 'unused token not deleted'));
  };
  const blocked = new BlockedSet();
  try {
    await ctx.session.signIn({ id: user.id, name: user.name, tokenHash, blocked });
  } catch (err) {
    await dropNewToken();
    throw err;
  }
  // Read once the session is registered, so a block made meanwhile is in the read or reaches the
  // set through the bus (BusEvent.block); merged, not replaced, and an unblock that arrived
  // meanwhile stays unblocked (BlockedSet.fill).
  blocked.fill((await ctx.store.blockedOf(user.id)).map((b) => b.id));
  // Recorded and checked once the session is registered: a suspension that a node's poll of the
  // admin actions missed (it closed the sessions registered before it) committed before this
  // read, so one of the two always ends the session.
  let suspended: boolean;
  try {
    ({ suspended } = await ctx.store.accounts.sessionStarted({
      userId: user.id, tokenHash, conn: ctx.session.id, node: ctx.config.nodeId, address: ctx.session.remote, client: ctx.session.client, at: Date.now(),
    }));
  } catch (err) {
    await ctx.session.signOut();
    await dropNewToken();
    throw err;
  }
  // Closed while that was written: its release (onLeave) may have run first, so it is released again.
  if (ctx.session.user === null) await ctx.store.accounts.sessionEnded(tokenHash, ctx.session.id, Date.now());
  if (suspended) {
    await ctx.session.signOut();
    await ctx.store.deleteToken(tokenHash);
    throw loginFailed(ctx, 'CHAT_ERR_SUSPENDED');
  }
  ctx.log.info({ userId: user.id, session: ctx.session.id, resumed: 'token' in body }, 'login');
  return { user_id: user.id, user: user.name, token, token_expires: new Date(expires).toISOString() };
};

function loginFailed(ctx: HandlerContext, code: 'CHAT_ERR_TOKEN_INVALID' | 'CHAT_ERR_AUTH_FAILED' | 'CHAT_ERR_SUSPENDED'): ChatError {
  ctx.log.info({ session: ctx.session.id, remote: ctx.session.remote, code }, 'login failed');
  return new ChatError(code);
}
