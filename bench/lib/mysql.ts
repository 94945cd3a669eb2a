// The MySQL side of the bench: a scratch database per scenario on a running MariaDB/MySQL server
// (default mysql://root@127.0.0.1:3306, or CHAT_BENCH_MYSQL=mysql://USER[:PASS]@HOST[:PORT]),
// created and migrated like `chat db migrate` does, seeded through MysqlStore, and dropped at the
// end: normally by the scenario itself, and on exit, error, SIGINT/SIGTERM or the run's hard
// limit by onCleanup, which drops synchronously with the `mariadb` client.
//
// The MySQL modules are imported only when a MySQL scenario runs, so a run without one never
// needs mysql2 to load nor a server to answer.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { DB_POOL_DEFAULTS } from '../../lib/config.ts';
import { migrateStore } from '../../lib/db/open.ts';
import { parseMysqlUrl, redactMysqlUrl, type MysqlTarget } from '../../lib/db/mysql-url.ts';
import { onCleanup, seedStore, type Seeded, type SeedSpec } from './harness.ts';

/** server URL without the database */
export const MYSQL_BASE = (process.env.CHAT_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');

export interface ScratchMysql {
  name: string;
  /** the --db URL for `chat serve` */
  url: string;
  target: MysqlTarget;
  /** the mariadbd/mysqld process serving it, when it runs on this host and can be found */
  serverPid: number | undefined;
  drop(): Promise<void>;
}

const undropped = new Map<string, MysqlTarget>();
let counter = 0;

onCleanup(() => {
  for (const [name, t] of undropped) {
    // synchronous: this runs from an exit handler too
    spawnSync('mariadb', ['--no-defaults', '--protocol=TCP', '-h', t.host, '-P', String(t.port), '-u', t.user, '-e', `DROP DATABASE IF EXISTS \`${name}\``], {
      stdio: 'ignore', timeout: 10_000, env: { ...process.env, MYSQL_PWD: t.password },
    });
  }
  undropped.clear();
});

async function adminConnection(t: MysqlTarget) {
  const { default: mysql } = await import('mysql2/promise');
  const conn = await mysql.createConnection({ host: t.host, port: t.port, user: t.user, password: t.password, connectTimeout: 3000 });
  conn.on('error', () => {});
  return conn;
}

/**
 * A new database chat_bench_<pid>_<time>_<n>, created and migrated. Throws a message that says
 * what to do when the server cannot be reached.
 */
export async function scratchMysql(): Promise<ScratchMysql> {
  const name = `chat_bench_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const url = `${MYSQL_BASE}/${name}`;
  const target = parseMysqlUrl(url);
  try {
    const conn = await adminConnection(target);
    await conn.end().catch(() => conn.destroy());
  } catch (err) {
    throw new Error(
      `MySQL is not reachable at ${redactMysqlUrl(MYSQL_BASE)} (${(err as Error).message || (err as { code?: string }).code}). ` +
      'The *-mysql scenarios need a running MariaDB or MySQL server (e.g. apt-get install mariadb-server; ' +
      'another server: CHAT_BENCH_MYSQL=mysql://USER:PASS@HOST:PORT); leave them out to bench SQLite only.',
    );
  }
  undropped.set(name, target);
  await migrateStore(url); // what `chat db migrate --db URL` does: CREATE DATABASE, then sql/mysql/*
  return {
    name, url, target, serverPid: mysqlServerPid(target.host, target.port),
    async drop() {
      const conn = await adminConnection(target);
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
        undropped.delete(name);
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    },
  };
}

/** Users, friendships, group and tokens through MysqlStore, exactly like seed() through SqliteStore. */
export async function seedMysql(url: string, spec: SeedSpec): Promise<Seeded> {
  const { MysqlStore } = await import('../../lib/db/mysql-store.ts');
  const store = await MysqlStore.open(url, { ...DB_POOL_DEFAULTS, logIntervalMs: 0 });
  try {
    return await seedStore(store, spec);
  } finally {
    await store.close();
  }
}

/**
 * The pid of the mariadbd (or mysqld) listening on `port` on this host: the process, among
 * `pidof`'s, that holds the listening socket (/proc/net/tcp*; a test suite may be running a
 * private mariadbd beside the shared one). If no candidate's sockets can be read (another user's
 * process) and there is exactly one, that one. Undefined otherwise (e.g. a remote server).
 */
export function mysqlServerPid(host: string, port: number): number | undefined {
  if (!/^(127\.|localhost$|::1$)/.test(host)) return undefined; // another host's process is not ours to read
  let pids: number[] = [];
  for (const bin of ['mariadbd', 'mysqld']) {
    try {
      pids.push(...execFileSync('pidof', [bin], { encoding: 'utf8' }).trim().split(/\s+/).map(Number).filter((n) => n > 0));
    } catch {} // pidof exits 1 when there is none
  }
  pids = [...new Set(pids)];
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket's inode
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(`socket:[${f[9]}]`);
    }
  }
  let readable = false;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    readable = true;
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
      } catch {}
    }
  }
  return !readable && pids.length === 1 ? pids[0] : undefined;
}
