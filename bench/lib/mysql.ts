// The MySQL side of the bench: a scratch database per scenario on a running MariaDB/MySQL server
// (default mysql://root@127.0.0.1:3306, or CHAT_BENCH_MYSQL=mysql://USER[:PASS]@HOST[:PORT]),
// created and migrated like `chat db migrate` does, seeded through MysqlStore, and dropped at the
// end: normally by the scenario itself, and on exit, error, SIGINT/SIGTERM or the run's hard
// limit by onCleanup, which drops synchronously with the `mariadb` client.
//
// The MySQL modules are imported only when a MySQL scenario runs, so a run without one never
// needs mysql2 to load nor a server to answer.
import { spawnSync } from 'node:child_process';
import { DB_POOL_DEFAULTS } from '../../lib/config.ts';
import { migrateStore } from '../../lib/db/open.ts';
import { parseMysqlUrl, redactMysqlUrl, type MysqlTarget } from '../../lib/db/mysql-url.ts';
import { onCleanup, seedStore, type Seeded, type SeedSpec } from './harness.ts';
import { cpuSeconds, listeningPid } from './proc.ts';

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
 * A new name chat_bench_<pid>_<time>_<n> on the server, for a database that a Store of some
 * checkout creates and migrates itself (bench/mysql-batch.ts, bench/search-index.ts: the
 * `--before` checkout's schema may not be this one's). Dropped by drop(), or on exit by onCleanup.
 * Throws a message that says what to do when the server cannot be reached.
 */
export async function scratchMysqlName(): Promise<Omit<ScratchMysql, 'serverPid'>> {
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
  return {
    name, url, target,
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

/** A new database (see scratchMysqlName), created and migrated with this checkout's schema. */
export async function scratchMysql(): Promise<ScratchMysql> {
  const db = await scratchMysqlName();
  await migrateStore(db.url); // what `chat db migrate --db URL` does: CREATE DATABASE, then sql/mysql/*
  return { ...db, serverPid: mysqlServerPid(db.target.host, db.target.port) };
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

/** The mariadbd or mysqld listening on `port` on this host (see listeningPid). */
export function mysqlServerPid(host: string, port: number): number | undefined {
  return listeningPid(['mariadbd', 'mysqld'], host, port);
}

/** CPU seconds the server behind MYSQL_BASE has used so far; NaN when it is not a process of this host that can be read. */
export function mysqlServerCpuSeconds(): number {
  const t = parseMysqlUrl(`${MYSQL_BASE}/x`);
  const pid = mysqlServerPid(t.host, t.port);
  return pid === undefined ? NaN : cpuSeconds(pid);
}
