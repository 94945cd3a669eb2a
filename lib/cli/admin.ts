// `chat admin`: the operator's commands. They work on the database directly (the same --db as
// `chat serve`), so they run with or without servers running. Each change is written together
// with its row in admin_actions, the audit log, which running nodes also poll to carry it out
// (lib/server/admin-watch.ts). Each change also prints its audit record as one JSON line on stderr.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolveDbPoolConfig } from '../config.ts';
import { openStore } from '../db/open.ts';
import type { AdminAction, AdminActionKind, Store, UserRow } from '../db/store.ts';
import { ChatError } from '../protocol/errors.ts';
import { isoTime } from '../protocol/json-text.ts';
import { checkName, checkNewName, checkPassword } from '../protocol/names.ts';
import { hashPassword } from '../server/credentials.ts';
import type { Output } from './output.ts';
import { safe } from './output.ts';

export type AdminCommand = 'users' | 'groups' | 'suspend' | 'unsuspend' | 'reset-password' | 'add-user' | 'delete-group';

export interface AdminEnv {
  db: string;
  /** the operating-system user running the command, for the audit log */
  actor: string;
  out: Output;
  /** where the audit line goes */
  audit: NodeJS.WritableStream;
  /** the new password from stdin (reset-password, add-user); unset: one is generated and printed */
  password?: string | undefined;
}

/** A small pool: one command, a few statements. */
const ADMIN_POOL = resolveDbPoolConfig({ min: 0, max: 2 });

/** Opens the database without creating one: a missing SQLite file is an unreachable database. */
async function open(db: string): Promise<Store> {
  if (db.startsWith('sqlite:')) {
    const path = db.slice('sqlite:'.length);
    if (!existsSync(path)) throw new ChatError('CHAT_ERR_DB_UNAVAILABLE', `no database at ${path}`);
    try {
      return await openStore(db);
    } catch (err) {
      if (err instanceof ChatError) throw err;
      throw new ChatError('CHAT_ERR_DB_UNAVAILABLE', `cannot open ${path}: ${(err as Error).message}`);
    }
  }
  return openStore(db, { pool: ADMIN_POOL });
}

export async function admin(env: AdminEnv, command: AdminCommand, name: string | undefined): Promise<void> {
  const store = await open(env.db);
  try {
    if (command === 'users') return await users(store, env);
    if (command === 'groups') return await groups(store, env);
    if (name === undefined) throw new ChatError('CHAT_ERR_BAD_FIELD', `admin ${command} NAME: the user name is missing`);
    if (command === 'add-user') return await addUser(store, env, name);
    if (command === 'delete-group') return await deleteGroup(store, env, name);
    const user = await findUser(store, name);
    if (command === 'suspend' || command === 'unsuspend') {
      const suspended = command === 'suspend';
      const action = audited(env, suspended ? 'suspend' : 'unsuspend', user);
      await store.accounts.setSuspended(user.id, suspended, action);
      writeAudit(env, action);
      env.out.emit({ type: 'admin_action', action: action.action, user: user.name, user_id: user.id }, `${safe(user.name)}: ${command}ed`);
      return;
    }
    const { password, generated } = newPassword(env);
    const action = audited(env, 'reset_password', user, { generated });
    const revoked = await store.accounts.setPassword(user.id, await hashPassword(password), {}, action);
    writeAudit(env, action);
    env.out.emit(
      { type: 'admin_action', action: 'reset_password', user: user.name, user_id: user.id, revoked, ...(generated ? { password } : {}) },
      `${safe(user.name)}: password reset, ${revoked} token${revoked === 1 ? '' : 's'} revoked${generated ? `\nnew password: ${password}` : ''}`,
    );
  } finally {
    await store.close();
  }
}

async function users(store: Store, { out }: AdminEnv): Promise<void> {
  for (const u of await store.accounts.accounts()) {
    const record = {
      type: 'admin_user', name: u.name, id: u.id, created: isoTime(u.createdAt),
      last_login: u.lastLoginAt === null ? null : isoTime(u.lastLoginAt), suspended: u.suspended,
    };
    out.emit(record, [safe(u.name), u.id, record.created, record.last_login ?? 'never', u.suspended ? 'suspended' : 'active'].join('\t'));
  }
}

async function groups(store: Store, { out }: AdminEnv): Promise<void> {
  for (const g of await store.accounts.allGroups()) {
    const record = { type: 'admin_group', name: g.name, desc: g.desc, creator: g.creator, members: g.members, created: isoTime(g.createdAt) };
    out.emit(record, [safe(g.name), safe(g.creator), `${g.members} members`, record.created, safe(g.desc)].join('\t'));
  }
}

async function addUser(store: Store, env: AdminEnv, raw: string): Promise<void> {
  const check = checkNewName(raw);
  if (!check.ok) throw new ChatError('CHAT_ERR_BAD_NAME', `user name ${check.reason}`);
  if (await store.accounts.nameReserved(check.key, Date.now())) throw new ChatError('CHAT_ERR_NAME_TAKEN', 'that name belonged to an account deleted less than 30 days ago');
  const { password, generated } = newPassword(env);
  const { targetId: _, ...action } = audited(env, 'add_user', null, { generated }, check.name);
  const user = await store.accounts.addUser(check.name, check.key, await hashPassword(password), action);
  writeAudit(env, { ...action, targetId: user.id });
  env.out.emit(
    { type: 'admin_action', action: 'add_user', user: user.name, user_id: user.id, ...(generated ? { password } : {}) },
    `${safe(user.name)}: added (id ${user.id})${generated ? `\npassword: ${password}` : ''}`,
  );
}

/**
 * Deletes a group with its history, whoever created it; the name is free again. Nodes read the
 * audit row (admin-watch.ts) and tell the former members' sessions, as a creator's delete does.
 */
async function deleteGroup(store: Store, env: AdminEnv, raw: string): Promise<void> {
  const check = checkName(raw);
  const group = check.ok ? await store.groupByKey(check.key) : null;
  if (!group) throw new ChatError('CHAT_ERR_NO_SUCH_GROUP');
  const members = await store.deleteGroup(group.id);
  // After the delete: a row for a delete that failed would tell the nodes of one that did not happen.
  const action: AdminAction = { actor: env.actor, action: 'delete_group', targetId: group.id, target: group.name, at: Date.now(), detail: { members } };
  await store.accounts.recordAction(action);
  writeAudit(env, action);
  env.out.emit({ type: 'admin_action', action: 'delete_group', group: group.name, members: members.length }, `#${safe(group.name)}: deleted (${members.length} members)`);
}

async function findUser(store: Store, raw: string): Promise<UserRow> {
  const check = checkName(raw);
  const user = check.ok ? await store.userByKey(check.key) : null;
  if (!user) throw new ChatError('CHAT_ERR_NO_SUCH_USER');
  return user;
}

/** The password given on stdin, or a generated one to hand to the user (who can change it with `chat passwd`). */
function newPassword(env: AdminEnv): { password: string; generated: boolean } {
  if (env.password === undefined) return { password: randomBytes(12).toString('base64url'), generated: true };
  const weak = checkPassword(env.password);
  if (weak) throw new ChatError('CHAT_ERR_BAD_PASSWORD', `password ${weak}`);
  return { password: env.password, generated: false };
}

function audited(env: AdminEnv, action: AdminActionKind, user: UserRow | null, detail: Record<string, unknown> = {}, target = user?.name ?? ''): AdminAction {
  return { actor: env.actor, action, targetId: user?.id ?? null, target, at: Date.now(), detail };
}

/** The audit record as one JSON line, once the change (and its admin_actions row) is committed. */
function writeAudit(env: AdminEnv, a: AdminAction): void {
  env.audit.write(JSON.stringify({ type: 'audit', who: a.actor, what: a.action, target: a.target, target_id: a.targetId, when: isoTime(a.at), ...a.detail }) + '\n');
}
