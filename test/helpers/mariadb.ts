// MariaDB for tests. The shared server (127.0.0.1:3306, root, no password) is only ever given
// scratch databases named chat_test_<pid>_<random>, dropped at the end; it is never restarted.
// Tests that kill or restart a server start a PRIVATE mariadbd on a free loopback port, with a
// temporary data directory, and stop it themselves.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { missingService } from './assert.ts';
import { freePort } from './ports.ts';

// Debian puts mariadbd in /usr/sbin, which a non-login PATH may lack.
const binary = (name: string, dirs: string[]) => dirs.map((d) => join(d, name)).find((p) => existsSync(p)) ?? name;

export const SHARED = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

export interface Server {
  host: string;
  port: number;
}

export async function connect(server: Server = SHARED, database?: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ host: server.host, port: server.port, user: 'root', password: '', database, connectTimeout: 3_000 });
  conn.on('error', () => {}); // a killed admin connection fails its next query instead of crashing the test
  return conn;
}

/** Runs one statement on a short-lived admin connection. */
export async function adminQuery<T = unknown>(sql: string, params: unknown[] = [], server: Server = SHARED, database?: string): Promise<T[]> {
  const conn = await connect(server, database);
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T[];
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

export async function reachable(server: Server = SHARED): Promise<boolean> {
  try {
    await adminQuery('SELECT 1', [], server);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the shared MariaDB can be used. Unreachable under CI=true is an error, so CI cannot
 * pass without these tests; elsewhere it is said loudly and the file's tests are skipped.
 */
export async function requireMariadb(file: string): Promise<boolean> {
  if (await reachable()) return true;
  return missingService(file, `MariaDB is not reachable at ${SHARED.host}:${SHARED.port} (root, empty password)`, 'apt-get install mariadb-server');
}

export interface ScratchDb {
  name: string;
  /** mysql://root@HOST:PORT/NAME */
  url: string;
  drop(): Promise<void>;
}

export function scratchName(): string {
  return `chat_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

const undropped = new Map<string, Server>();
// A test process that crashes skips its after-hooks; its scratch databases are dropped here
// (synchronously: an exit handler cannot wait for a promise).
process.on('exit', () => {
  for (const [name, server] of undropped) {
    spawnSync(binary('mariadb', ['/usr/bin', '/usr/local/bin']), ['--no-defaults', '-h', server.host, '-P', String(server.port), '-u', 'root',
      '-e', `DROP DATABASE IF EXISTS \`${name}\``], { stdio: 'ignore', timeout: 5_000 });
  }
});

/** A database name nobody else uses; created by whoever opens it first (the store does). */
export function scratchDb(server: Server = SHARED): ScratchDb {
  const name = scratchName();
  undropped.set(name, server);
  return {
    name,
    url: `mysql://root@${server.host}:${server.port}/${name}`,
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``, [], server);
      undropped.delete(name);
    },
  };
}

/** Empties every table but schema_version, so each contract test starts from nothing. */
export async function emptyTables(database: string, server: Server = SHARED): Promise<void> {
  const conn = await connect(server, database);
  try {
    const [tables] = await conn.query(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_name <> 'schema_version'", [database]);
    await conn.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const { t } of tables as { t: string }[]) await conn.query(`DELETE FROM \`${t}\``);
    await conn.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

/** Client connections the server holds on a database (what SHOW PROCESSLIST lists for it). */
export async function serverConnections(database: string, server: Server = SHARED): Promise<number[]> {
  const rows = await adminQuery<{ id: number }>(
    'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID() ORDER BY id', [database], server);
  return rows.map((r) => Number(r.id));
}

export { freePort } from './ports.ts';

export interface PrivateMariadb extends Server {
  /** mysql://root@127.0.0.1:PORT/NAME */
  url(database: string): string;
  running(): boolean;
  /** SIGKILL: a crash, no clean shutdown. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** Starts again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops and removes the data directory. */
  destroy(): Promise<void>;
}

const MARIADBD = binary('mariadbd', ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']);
const INSTALL_DB = binary('mariadb-install-db', ['/usr/bin', '/usr/sbin', '/usr/local/bin']);

const privateServers = new Set<{ proc: ChildProcess | null; dir: string }>();
process.on('exit', () => {
  for (const s of privateServers) {
    if (s.proc && s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
});

/** A throwaway mariadbd on a free loopback port, root without password. Takes about a second. */
export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-mariadb-'));
  const state: { proc: ChildProcess | null; dir: string } = { proc: null, dir };
  privateServers.add(state);
  const asRoot = process.getuid?.() === 0;
  // Its own tmpdir, for the install's bootstrap too: at start mariadbd deletes every #sql* file
  // in its tmpdir, and in the shared /tmp those include the live temporary tables of the shared
  // server (a CI run failed on it).
  mkdirSync(join(dir, 'tmp'));
  const install = spawnSync(INSTALL_DB, [
    '--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${join(dir, 'data')}`, '--skip-test-db',
    `--tmpdir=${join(dir, 'tmp')}`,
    ...(asRoot ? ['--user=root'] : []),
  ], { encoding: 'utf8', timeout: 60_000 });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed (${install.status}): ${install.stderr || install.error}`);
  const port = await freePort();
  const server: PrivateMariadb = {
    host: '127.0.0.1',
    port,
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    running: () => state.proc !== null && state.proc.exitCode === null && state.proc.signalCode === null,
    async start() {
      const proc = spawn(MARIADBD, [
        '--no-defaults', `--datadir=${join(dir, 'data')}`, `--port=${port}`, `--socket=${join(dir, 'sock')}`,
        '--bind-address=127.0.0.1', `--pid-file=${join(dir, 'pid')}`, `--log-error=${join(dir, 'error.log')}`, `--tmpdir=${join(dir, 'tmp')}`,
        '--skip-log-bin', '--skip-name-resolve', '--innodb-buffer-pool-size=16M', '--max-connections=100',
        ...(asRoot ? ['--user=root'] : []),
      ], { stdio: 'ignore' });
      state.proc = proc;
      const deadline = Date.now() + 20_000;
      while (!(await reachable(server))) {
        if (!server.running()) throw new Error(`mariadbd exited: ${readLog(dir)}`);
        if (Date.now() > deadline) throw new Error(`mariadbd not ready within 20 s: ${readLog(dir)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill() {
      await signal(state.proc, 'SIGKILL');
    },
    async stop() {
      await signal(state.proc, 'SIGTERM');
    },
    async destroy() {
      await signal(state.proc, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      privateServers.delete(state);
    },
  };
  await server.start();
  return server;
}

async function signal(proc: ChildProcess | null, sig: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(sig);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no error log)';
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns true; fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}
