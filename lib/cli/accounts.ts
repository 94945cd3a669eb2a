// `chat passwd`, `chat sessions`, `chat logout --all`: account commands over the protocol.
import type { SessionView } from '../protocol/messages.ts';
import type { CommandEnv } from './commands.ts';
import { UsageError } from './errors.ts';
import { safe } from './output.ts';
import { withSession } from './session.ts';

export interface PasswordChange {
  current: string;
  next: string;
  keepSessions: boolean;
}

export async function passwd(env: CommandEnv, change: PasswordChange): Promise<void> {
  await withSession(env.target, { ...env.creds, password: change.current }, async (client, me) => {
    const r = await client.request('passwd', { password: change.current, new_password: change.next, keep_sessions: change.keepSessions });
    env.out.emit(
      { type: 'password_changed', user: me.user, revoked: r.revoked },
      `password changed${change.keepSessions ? '; other sessions kept' : `; ${r.revoked} other session${r.revoked === 1 ? '' : 's'} ended`}`,
    );
  });
}

export async function sessions(env: CommandEnv): Promise<void> {
  await withSession(env.target, env.creds, async (client) => {
    for (const s of (await client.request('sessions', {})).sessions) env.out.emit({ type: 'session', ...s }, sessionLine(s));
  });
}

function sessionLine(s: SessionView): string {
  const state = s.current ? 'this session' : s.live ? 'live' : 'token';
  return [s.id, state, safe(s.client ?? '-'), s.node ?? '-', s.address ?? '-', `login ${s.login}`, `last used ${s.last_used}`].join('\t');
}

export async function revokeSession(env: CommandEnv, id: string | undefined): Promise<void> {
  if (!id) throw new UsageError('sessions revoke ID (the id from `chat sessions`)');
  await withSession(env.target, env.creds, async (client) => {
    const r = await client.request('sessions_revoke', { session: id });
    env.out.emit({ type: 'session_revoked', session: r.session }, `${r.session}: revoked`);
  });
}

export async function logout(env: CommandEnv, all: boolean): Promise<void> {
  // A one-shot command keeps no token, so there is nothing to log out of but everything.
  if (!all) throw new UsageError('logout --all (every session and token of the account); one-shot commands keep no session of their own');
  await withSession(env.target, env.creds, async (client) => {
    const r = await client.request('logout', { all: true });
    env.out.emit({ type: 'logged_out', all: true, revoked: r.revoked ?? 0 }, `logged out everywhere (${r.revoked ?? 0} tokens revoked)`);
  });
}

export async function deleteAccount(env: CommandEnv, password: string): Promise<void> {
  await withSession(env.target, { ...env.creds, password }, async (client) => {
    const r = await client.request('account_delete', { password });
    env.out.emit({ type: 'account_deleted', user: r.user }, `${safe(r.user)}: account deleted`);
  });
}
