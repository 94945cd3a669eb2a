// The only place that reads argv and the environment (and, for the client commands, the config
// file). It resolves them (defaults < config file < env < flags) and hands each command just the
// values it needs.
import { readFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { locateConfig, parseConfigFile, resolveClientConfig, showableConfig, showableToml, type ClientConfig, type FileConfig } from '../lib/client-config.ts';
import { parseServerAddress, resolveServerConfig } from '../lib/config.ts';
import { ChatError } from '../lib/protocol/errors.ts';
import type { CommandEnv } from '../lib/cli/commands.ts';
import { describe, EXIT, exitCodeFor, exitCodeForDbCommand, UsageError } from '../lib/cli/errors.ts';
import { Output } from '../lib/cli/output.ts';

// The server side (stores, drivers, the bus, the cluster helper) is loaded only by the commands
// that need it: every module under tsx costs start-up time, which a script running `chat send`
// in a loop pays on every call.
const serverSide = {
  backup: () => import('../lib/db/sqlite-backup.ts'),
  serve: () => import('../lib/cli/serve.ts'),
  db: () => import('../lib/db/open.ts'),
  cluster: () => import('../lib/cli/cluster.ts'),
};
// Likewise the client side (the client library and its sessions) is loaded only by the client
// commands: `chat serve` never uses it, and every module under tsx costs start-up time.
const clientCommands = () => import('../lib/cli/commands.ts');
const listenCommand = () => import('../lib/cli/listen.ts');
const accountCommands = () => import('../lib/cli/accounts.ts');

const env = process.env;

function defaultStateDir(): string {
  const base = env.XDG_RUNTIME_DIR || tmpdir();
  return join(base, `chat-cluster-${process.getuid?.() ?? 'user'}`);
}

/** Who runs `chat admin`, for its audit log: the operating-system user. */
function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER || env.LOGNAME || `uid ${process.getuid?.() ?? '?'}`;
  }
}

function defaultDb(): string {
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return `sqlite:${join(dataHome, 'chat', 'chat.db')}`;
}

/** A numeric env var, left to the config check (which names the key) when it is not a number. */
function envNumber(name: string): number | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : Number(value);
}

function commaList(text: string | undefined): string[] | undefined {
  return text?.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

async function readStdinPassword(): Promise<string> {
  return (await readStdin()).replace(/\r?\n$/, '');
}

/**
 * `chat passwd`'s two passwords: lines 1 and 2 of stdin with --password-stdin, else asked on
 * the terminal without echo (the current one only when --password / CHAT_PASSWORD is unset).
 */
async function passwordChange(argv: Globals): Promise<{ current: string; next: string }> {
  if (argv['password-stdin']) {
    const [current, next] = (await readStdin()).split(/\r?\n/);
    if (current === undefined || next === undefined || next === '') throw new UsageError('--password-stdin: line 1 is the current password, line 2 the new one');
    return { current, next };
  }
  if (!process.stdin.isTTY) throw new UsageError('chat passwd asks on a terminal; without one, use --password-stdin (line 1 current, line 2 new)');
  const { promptHidden } = await import('../lib/cli/prompt.ts');
  const current = argv.password || (await promptHidden('Current password: '));
  const next = await promptHidden('New password: ');
  if ((await promptHidden('New password again: ')) !== next) throw new UsageError('the two new passwords differ; nothing was changed');
  return { current, next };
}

type Globals = {
  server?: string | undefined; user?: string | undefined; password?: string | undefined; 'password-stdin'?: boolean; json: boolean;
  tls?: boolean | undefined; ca?: string | undefined; config: boolean;
};

let resolved: ClientConfig | undefined;

/** The client config, resolved once: flags > env > config file > defaults. */
function clientConfig(argv: Globals): ClientConfig {
  if (resolved) return resolved;
  const location = locateConfig({ noConfig: argv.config === false, chatConfig: env.CHAT_CONFIG, xdgConfigHome: env.XDG_CONFIG_HOME, home: homedir() });
  let file: FileConfig = {};
  let loaded = false;
  if (location.path !== null) {
    let text: string | undefined;
    try {
      text = readFileSync(location.path, 'utf8');
    } catch (err) {
      // no file at the default place is no config; a file CHAT_CONFIG names must be there
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || location.explicit) {
        throw new ChatError('CHAT_ERR_CONFIG', `config ${location.path}: cannot read it: ${(err as Error).message}`);
      }
    }
    if (text !== undefined) {
      file = parseConfigFile(text, location.path);
      loaded = true;
    }
  }
  resolved = resolveClientConfig({
    file, location, loaded, home: homedir(),
    env: {
      server: env.CHAT_SERVER, user: env.CHAT_USER, password: env.CHAT_PASSWORD, ca: env.CHAT_CA,
      tls: env.CHAT_TLS === undefined || env.CHAT_TLS === '' ? undefined : env.CHAT_TLS === '1',
      // https://no-color.org: set and not empty
      noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    },
    flags: { server: argv.server, user: argv.user, password: argv.password, tls: argv.tls, ca: argv.ca },
  });
  return resolved;
}

async function commandEnv(argv: Globals): Promise<CommandEnv> {
  const config = clientConfig(argv);
  const password = argv['password-stdin'] ? await readStdinPassword() : config.password;
  const address = parseServerAddress(config.server);
  const target = config.tls ? { ...address, tls: { ca: config.ca } } : address;
  return { target, creds: { user: config.user, password }, out: new Output(argv.json) };
}

/** TEXT is everything after the name, joined by spaces; arguments after `--` are text too, never options. */
function textOf(parts: unknown[] | undefined, dashdash: unknown[] | undefined): string {
  const all = [...(parts ?? []), ...(dashdash ?? [])].map(String);
  if (all.length === 0) throw new UsageError('TEXT is missing');
  return all.join(' ');
}

/** The options edit, delete and react share. */
function eventOptions(y: Argv): Argv<any> {
  return y
    .positional('name', { type: 'string' })
    .positional('seq', { type: 'string' })
    .option('group', { type: 'string', describe: 'a message in this group; then the first positional is SEQ' })
    .option('client-msg-id', { type: 'string', describe: 'idempotency key: a retry with the same key is applied once' });
}

/** NAME SEQ REST…, or with --group SEQ REST…: the positionals shift by one. */
function eventTarget(a: any, usage: string): { where: { with: string } | { group: string }; seq: number; rest: string[] } {
  const positionals = [a.name, a.seq, ...(a.text ?? []), ...(a.emoji === undefined ? [] : [a.emoji])].filter((v) => v !== undefined).map(String);
  const where = a.group !== undefined ? { group: String(a.group) } : { with: positionals.shift()! };
  const raw = positionals.shift();
  if (('with' in where && where.with === undefined) || raw === undefined || !/^\d+$/.test(raw)) throw new UsageError(usage);
  return { where, seq: Number(raw), rest: positionals };
}

function positiveInt(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a whole number`);
  return value;
}

let exitCode: number = EXIT.ok;
/** set by the commands that open the database themselves (admin, db): see exitCodeForDbCommand */
let opensDatabase = false;
const run = (fn: (argv: any) => Promise<number | void>) => async (argv: any) => {
  exitCode = (await fn(argv)) ?? EXIT.ok;
};

const GROUP_ACTIONS = [
  'create', 'join', 'leave', 'members', 'decline', 'delete', 'invite', 'kick', 'ban', 'unban', 'transfer', 'role', 'topic', 'set',
] as const;

const cli = yargs(hideBin(process.argv))
  .scriptName('chat')
  .parserConfiguration({ 'parse-positional-numbers': false, 'populate--': true })
  .usage('$0 [command] [options]\n\nA terminal chat client and server. Bare `chat` opens the terminal UI.')
  .option('server', { type: 'string', defaultDescription: '127.0.0.1:6000', describe: 'HOST:PORT of the server (env CHAT_SERVER, config server)', global: true })
  .option('user', { type: 'string', defaultDescription: '$CHAT_USER', describe: 'user name (env CHAT_USER, config user)', global: true })
  .option('password', { type: 'string', defaultDescription: '$CHAT_PASSWORD', describe: 'password (env CHAT_PASSWORD)', global: true })
  .option('password-stdin', { type: 'boolean', describe: 'read the password from standard input', global: true })
  .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line', global: true })
  .option('tls', { type: 'boolean', defaultDescription: 'off', describe: 'connect with TLS and verify the server (env CHAT_TLS=1, config tls)', global: true })
  .option('ca', { type: 'string', defaultDescription: '$CHAT_CA', describe: 'PEM file of the CA that signed the server\'s certificate (implies --tls) (env CHAT_CA, config ca)', global: true })
  .option('config', { type: 'boolean', default: true, describe: 'read the client config file; --no-config skips it, as CHAT_CONFIG= does (CHAT_CONFIG=PATH names another file)', global: true })
  .command(
    'serve',
    'run a chat server',
    (y: Argv) =>
      y
        .option('host', { type: 'string', default: env.CHAT_HOST ?? '127.0.0.1', describe: 'address to listen on (0.0.0.0 serves a LAN) (env CHAT_HOST)' })
        .option('port', { type: 'number', default: env.CHAT_PORT === undefined ? 6000 : Number(env.CHAT_PORT), describe: 'TCP port (env CHAT_PORT)' })
        .option('db', { type: 'string', default: env.CHAT_DB ?? defaultDb(), describe: 'sqlite:PATH or mysql://… (env CHAT_DB)' })
        .option('node-id', { type: 'string', default: env.CHAT_NODE_ID ?? 'n1', describe: 'this node\'s name in logs and hello (env CHAT_NODE_ID)' })
        .option('log-level', { type: 'string', default: env.CHAT_LOG_LEVEL ?? 'info', describe: 'trace|debug|info|warn|error|silent (env CHAT_LOG_LEVEL)' })
        .option('max-line-bytes', { type: 'number', describe: 'largest accepted frame (default 65536)' })
        .option('max-text-length', { type: 'number', describe: 'longest message text (default 16000)' })
        .option('max-output-bytes', { type: 'number', describe: 'unsent output at which a slow reader is dropped (default 4 MiB)' })
        .option('idle-timeout-ms', { type: 'number', describe: 'close connections silent this long (default 90000)' })
        .option('login-fail-limit', { type: 'number', describe: 'failed password logins per account per window before CHAT_ERR_LOGIN_THROTTLED (default 10)' })
        .option('login-fail-limit-per-address', { type: 'number', describe: 'failed password logins per client address per window, 0 = no limit (default 100)' })
        .option('login-fail-window-ms', { type: 'number', describe: 'the failed-login window (default 60000)' })
        .option('rate-limit', { type: 'number', describe: 'requests per second per connection, 0 = no limit; over it requests wait (default 2000)' })
        .option('rate-burst', { type: 'number', describe: 'requests allowed at once above the rate (default 4000)' })
        .option('metrics-port', { type: 'number', default: envNumber('CHAT_METRICS_PORT'), describe: 'serve GET /metrics (Prometheus) and /healthz on this port; off when unset (env CHAT_METRICS_PORT)' })
        .option('metrics-host', { type: 'string', default: env.CHAT_METRICS_HOST, describe: 'address of the metrics port (default 127.0.0.1) (env CHAT_METRICS_HOST)' })
        .option('tls-cert', { type: 'string', default: env.CHAT_TLS_CERT, describe: 'PEM certificate chain: serve TLS (with --tls-key) (env CHAT_TLS_CERT)' })
        .option('tls-key', { type: 'string', default: env.CHAT_TLS_KEY, describe: 'PEM private key (env CHAT_TLS_KEY)' })
        .option('tls-handshake-timeout-ms', { type: 'number', describe: 'disconnect TLS peers that have not finished the handshake after this long (default 10000)' })
        .option('login-timeout-ms', { type: 'number', describe: 'close connections not logged in after this long (default 60000)' })
        .option('max-connections-per-address', { type: 'number', describe: 'open connections per client address, 0 = no limit (default 4096)' })
        .option('proxy-protocol', { type: 'boolean', default: env.CHAT_PROXY_PROTOCOL === '1', describe: 'connections from --trusted-proxies must start with a PROXY protocol header (v1 or v2) naming the client (env CHAT_PROXY_PROTOCOL=1)' })
        .option('trusted-proxies', { type: 'string', default: env.CHAT_TRUSTED_PROXIES || undefined, describe: 'CIDR[,CIDR…] of the proxies that send PROXY headers, e.g. 127.0.0.1/32 (env CHAT_TRUSTED_PROXIES)' })
        .option('db-pool-min', { type: 'number', default: envNumber('CHAT_DB_POOL_MIN'), describe: 'MySQL: connections opened at start and kept (default 4) (env CHAT_DB_POOL_MIN)' })
        .option('db-pool-max', { type: 'number', default: envNumber('CHAT_DB_POOL_MAX'), describe: 'MySQL: most connections (default 32) (env CHAT_DB_POOL_MAX)' })
        .option('db-pool-idle-ms', { type: 'number', default: envNumber('CHAT_DB_POOL_IDLE_MS'), describe: 'MySQL: close idle connections above the minimum after this long (default 30000) (env CHAT_DB_POOL_IDLE_MS)' })
        .option('db-pool-acquire-timeout-ms', { type: 'number', default: envNumber('CHAT_DB_POOL_ACQUIRE_TIMEOUT_MS'), describe: 'MySQL: a request waiting this long for a connection gets CHAT_ERR_DB_BUSY (default 2000) (env CHAT_DB_POOL_ACQUIRE_TIMEOUT_MS)' })
        .option('db-pool-log-ms', { type: 'number', default: envNumber('CHAT_DB_POOL_LOG_MS'), describe: 'MySQL: log pool figures this often, 0 = never (default 60000) (env CHAT_DB_POOL_LOG_MS)' })
        .option('redis', { type: 'string', default: env.CHAT_REDIS || undefined, describe: 'cluster mode: redis://HOST:PORT, or redis+cluster://HOST:PORT[,…] for a Redis Cluster (env CHAT_REDIS)' })
        .option('redis-cluster', { type: 'boolean', default: env.CHAT_REDIS_CLUSTER === '1', describe: 'the --redis URL is a Redis Cluster node: sharded pub/sub (env CHAT_REDIS_CLUSTER=1)' })
        .option('redis-prefix', { type: 'string', default: env.CHAT_REDIS_PREFIX, describe: 'prefix of the cluster\'s Redis keys and channels (default chat) (env CHAT_REDIS_PREFIX)' })
        .option('presence-ttl-ms', { type: 'number', default: envNumber('CHAT_PRESENCE_TTL_MS'), describe: 'a dead node\'s users show offline after this long (default 15000) (env CHAT_PRESENCE_TTL_MS)' })
        .option('registration', { type: 'string', choices: ['open', 'closed'], default: env.CHAT_REGISTRATION || 'open', describe: 'closed: `register` is refused; accounts come from `chat admin add-user` (env CHAT_REGISTRATION)' })
        .option('register-limit-per-address', { type: 'number', describe: 'registrations per client address per window, 0 = no limit (default 100)' })
        .option('register-window-ms', { type: 'number', describe: 'the registration window (default 60000)' })
        .option('admin-poll-ms', { type: 'number', default: envNumber('CHAT_ADMIN_POLL_MS'), describe: 'how often to check for `chat admin` actions to carry out, such as closing a suspended user\'s sessions (default 1000) (env CHAT_ADMIN_POLL_MS)' }),
    run(async (a) =>
      (await serverSide.serve()).serve(
        resolveServerConfig({
          host: a.host, port: a.port, db: a.db, nodeId: a['node-id'], logLevel: a['log-level'],
          maxLineBytes: a['max-line-bytes'], maxTextLength: a['max-text-length'],
          maxOutputBytes: a['max-output-bytes'], idleTimeoutMs: a['idle-timeout-ms'],
          loginFailLimit: a['login-fail-limit'], loginFailLimitPerAddress: a['login-fail-limit-per-address'],
          loginFailWindowMs: a['login-fail-window-ms'], loginTimeoutMs: a['login-timeout-ms'],
          maxConnectionsPerAddress: a['max-connections-per-address'], tlsCert: a['tls-cert'], tlsKey: a['tls-key'],
          tlsHandshakeTimeoutMs: a['tls-handshake-timeout-ms'],
          proxyProtocol: a['proxy-protocol'], trustedProxies: commaList(a['trusted-proxies']),
          rateLimit: a['rate-limit'], rateBurst: a['rate-burst'], metricsPort: a['metrics-port'], metricsHost: a['metrics-host'],
          redis: a.redis, redisCluster: a['redis-cluster'], redisPrefix: a['redis-prefix'], presenceTtlMs: a['presence-ttl-ms'],
          adminPollMs: a['admin-poll-ms'], registration: a.registration,
          registerLimitPerAddress: a['register-limit-per-address'], registerWindowMs: a['register-window-ms'],
          dbPool: {
            min: a['db-pool-min'], max: a['db-pool-max'], idleMs: a['db-pool-idle-ms'],
            acquireTimeoutMs: a['db-pool-acquire-timeout-ms'], logIntervalMs: a['db-pool-log-ms'],
          },
        }),
      ),
    ),
  )
  .command(
    'db <action> [file]',
    'database maintenance: `db migrate` creates (MySQL) and migrates the database; `db backup FILE` copies a live SQLite database; `db restore FILE` puts a backup in its place (servers stopped)',
    (y: Argv) =>
      y
        .positional('action', { choices: ['migrate', 'backup', 'restore'] as const })
        .positional('file', { type: 'string', describe: 'backup: the new file; restore: the backup' })
        .option('db', { type: 'string', default: env.CHAT_DB ?? defaultDb(), describe: 'sqlite:PATH or mysql://… (env CHAT_DB)' })
        .option('force', { type: 'boolean', default: false, describe: 'restore: replace the database that is there' }),
    run(async (a) => {
      opensDatabase = true;
      const out = new Output(a.json);
      if (a.action === 'migrate') {
        const { version, applied } = await (await serverSide.db()).migrateStore(a.db);
        out.emit({ type: 'schema', version, applied }, `schema version ${version}${applied.length ? ` (applied ${applied.join(', ')})` : ' (up to date)'}`);
        return;
      }
      if (!a.file) throw new UsageError(`db ${a.action} FILE`);
      const { backupSqlite, restoreSqlite } = await serverSide.backup();
      try {
        const r = a.action === 'backup' ? await backupSqlite(a.db, a.file) : await restoreSqlite(a.db, a.file, a.force);
        out.emit({ type: a.action, file: r.file, version: r.version, pages: r.pages }, `${a.action === 'backup' ? 'backed up to' : 'restored'} ${r.file} (schema version ${r.version}, ${r.pages} pages)`);
      } catch (err) {
        // The database itself is what cannot be reached: exit as for a server that cannot be.
        if (err instanceof ChatError && err.code === 'CHAT_ERR_DB_UNAVAILABLE') {
          process.stderr.write(describe(err) + '\n');
          return EXIT.unreachable;
        }
        throw err;
      }
    }),
  )
  .command(
    'admin <action> [name]',
    'operate on the database directly (the same --db as serve), with or without servers running: users | groups | suspend NAME | unsuspend NAME | reset-password NAME | add-user NAME | delete-group NAME',
    (y: Argv) =>
      y
        .positional('action', { choices: ['users', 'groups', 'suspend', 'unsuspend', 'reset-password', 'add-user', 'delete-group'] as const })
        .positional('name', { type: 'string' })
        .option('db', { type: 'string', default: env.CHAT_DB ?? defaultDb(), describe: 'sqlite:PATH or mysql://… (env CHAT_DB)' }),
    run(async (a) => {
      opensDatabase = true;
      const { admin } = await import('../lib/cli/admin.ts');
      if (['suspend', 'unsuspend', 'reset-password', 'add-user', 'delete-group'].includes(a.action) && !a.name) throw new UsageError(`admin ${a.action} NAME`);
      // reset-password and add-user take the new password from stdin with --password-stdin, else generate one.
      const password = a['password-stdin'] ? await readStdinPassword() : undefined;
      await admin({ db: a.db, actor: operator(), out: new Output(a.json), audit: process.stderr, password }, a.action, a.name);
    }),
  )
  .command(
    'cluster <action>',
    'a local cluster: `up` starts N nodes + nginx, `add` starts one more node, `status`, `down` stops them',
    (y: Argv) =>
      y
        .positional('action', { choices: ['up', 'add', 'down', 'status'] as const })
        .option('nodes', { type: 'number', default: 3, describe: 'how many nodes (up)' })
        .option('base-port', { type: 'number', default: 6000, describe: 'first node\'s port; the next ones are +2, +4, …' })
        .option('lb-port', { type: 'number', default: 8000, describe: 'where nginx listens: clients connect here' })
        .option('db', { type: 'string', default: env.CHAT_DB?.startsWith('mysql://') ? env.CHAT_DB : 'mysql://root@127.0.0.1:3306/chat', describe: 'the shared store (mysql://…)' })
        .option('redis', { type: 'string', default: env.CHAT_REDIS || 'redis://127.0.0.1:6379', describe: 'redis://… or redis+cluster://…' })
        .option('redis-prefix', { type: 'string', describe: 'prefix of the cluster\'s Redis keys and channels (default chat)' })
        .option('presence-ttl-ms', { type: 'number', describe: 'passed to every node (default 15000)' })
        .option('log-level', { type: 'string', default: 'info', describe: 'the nodes\' log level' })
        .option('state-dir', { type: 'string', default: defaultStateDir(), describe: 'where logs, the nginx config and cluster.json go' }),
    run(async (a) => {
      const out = new Output(a.json);
      const { clusterAdd, clusterDown, clusterStatus, clusterUp } = await serverSide.cluster();
      if (a.action === 'down') return clusterDown(a['state-dir'], out);
      if (a.action === 'status') return clusterStatus(a['state-dir'], out);
      if (a.action === 'add') return void (await clusterAdd(a['state-dir'], out));
      if (!Number.isInteger(a.nodes) || a.nodes < 1 || a.nodes > 100) throw new UsageError('--nodes must be 1 to 100');
      for (const k of ['base-port', 'lb-port'] as const) if (!Number.isInteger(a[k]) || a[k] < 1 || a[k] > 65535) throw new UsageError(`--${k} must be a port`);
      await clusterUp({
        stateDir: a['state-dir'], nodes: a.nodes, basePort: a['base-port'], lbPort: a['lb-port'], db: a.db, redis: a.redis,
        redisPrefix: a['redis-prefix'], presenceTtlMs: a['presence-ttl-ms'], logLevel: a['log-level'],
      }, out);
    }),
  )
  .command(
    'config <action>',
    'the client config file: `config path` prints where it is read from, `config show` the resolved config (no secrets)',
    (y: Argv) => y.positional('action', { choices: ['path', 'show'] as const }),
    run(async (a) => {
      const config = clientConfig(a);
      const out = new Output(a.json);
      const { path, loaded, skipped } = config.file;
      if (a.action === 'path') {
        const note = skipped ? `(skipped: ${skipped})` : loaded ? '' : ' (not found: defaults apply)';
        return out.emit({ type: 'config_path', path, exists: loaded, ...(skipped ? { skipped } : {}) }, skipped ? note : `${path}${note}`);
      }
      out.emit({ type: 'config', ...showableConfig(config) }, showableToml(config).trimEnd());
    }),
  )
  .command('register', 'create the account named by --user', {}, run(async (a) => (await clientCommands()).register(await commandEnv(a))))
  .command(
    'passwd',
    'change your password; every other session and token of the account is ended',
    (y: Argv) => y.option('keep-sessions', { type: 'boolean', default: false, describe: 'keep the other sessions and tokens' }),
    run(async (a) => {
      const change = await passwordChange(a);
      const env = await commandEnv({ ...a, 'password-stdin': false, password: change.current });
      return (await accountCommands()).passwd(env, { ...change, keepSessions: a['keep-sessions'] });
    }),
  )
  .command(
    'sessions [action] [id]',
    'list your sessions and resume tokens; `sessions revoke ID` ends one',
    (y: Argv) => y.positional('action', { choices: ['list', 'revoke'] as const, default: 'list' }).positional('id', { type: 'string' }),
    run(async (a) => {
      const accounts = await accountCommands();
      return a.action === 'revoke' ? accounts.revokeSession(await commandEnv(a), a.id) : accounts.sessions(await commandEnv(a));
    }),
  )
  .command(
    'logout',
    'with --all: revoke every token of the account and close every session, on every node',
    (y: Argv) => y.option('all', { type: 'boolean', default: false, describe: 'every session and token' }),
    run(async (a) => (await accountCommands()).logout(await commandEnv(a), a.all)),
  )
  .command(
    'account <action>',
    'account delete: delete your account; asks for the password again on a terminal, or takes --password-stdin with --yes',
    (y: Argv) =>
      y
        .positional('action', { choices: ['delete'] as const })
        .option('yes', { type: 'boolean', default: false, describe: 'do not ask: the password comes from --password-stdin (or --password / CHAT_PASSWORD)' }),
    run(async (a) => {
      let password: string | undefined;
      if (a.yes) {
        password = a['password-stdin'] ? await readStdinPassword() : a.password;
        if (!password) throw new UsageError('account delete --yes takes the password from --password-stdin (or --password / CHAT_PASSWORD)');
      } else {
        if (!process.stdin.isTTY) throw new UsageError('account delete asks for your password on a terminal; without one, give --password-stdin and --yes');
        const { promptHidden } = await import('../lib/cli/prompt.ts');
        process.stderr.write(`This deletes the account ${a.user ?? ''}: its friendships, memberships and sessions end; its messages stay, without its name.\n`);
        password = await promptHidden('Your password, to delete the account: ');
      }
      const env = await commandEnv({ ...a, 'password-stdin': false, password });
      return (await accountCommands()).deleteAccount(env, password);
    }),
  )
  .command('friends', 'list friends (with online state) and pending requests', {}, run(async (a) => (await clientCommands()).friends(await commandEnv(a))))
  .command(
    'block <name>',
    'block a user: a friendship ends, their requests never reach you, their group messages are hidden',
    (y: Argv) => y.positional('name', { type: 'string', demandOption: true }),
    run(async (a) => (await clientCommands()).block(await commandEnv(a), a.name, true)),
  )
  .command(
    'unblock <name>',
    'unblock a user: what the block hid shows again (a friendship it ended does not come back)',
    (y: Argv) => y.positional('name', { type: 'string', demandOption: true }),
    run(async (a) => (await clientCommands()).block(await commandEnv(a), a.name, false)),
  )
  .command('blocked', 'list the users you blocked', {}, run(async (a) => (await clientCommands()).blocked(await commandEnv(a))))
  .command(
    'friend <action> <name>',
    'add | accept | decline | remove a friend',
    (y: Argv) => y.positional('action', { choices: ['add', 'accept', 'decline', 'remove'] as const }).positional('name', { type: 'string' }),
    run(async (a) => (await clientCommands()).friend(await commandEnv(a), a.action, a.name)),
  )
  .command(
    'groups',
    'list your groups; --invites the invitations waiting for you; --public the directory of public groups',
    (y: Argv) =>
      y
        .option('invites', { type: 'boolean', describe: 'list pending invitations instead' })
        .option('public', { type: 'boolean', describe: 'list public groups (name, description, member count), a page at a time' })
        .option('prefix', { type: 'string', describe: 'with --public: names starting with this' })
        .option('after', { type: 'string', describe: 'with --public: the next page, from the last page\'s `next`' })
        .option('limit', { type: 'number', describe: 'with --public: at most N per page (1-200, default 50)' }),
    run(async (a) => {
      const client = await clientCommands();
      if (a.public) {
        if (a.invites) throw new UsageError('groups: --public or --invites, not both');
        return client.publicGroups(await commandEnv(a), { prefix: a.prefix, after: a.after, limit: positiveInt('limit', a.limit) });
      }
      if (a.prefix !== undefined || a.after !== undefined || a.limit !== undefined) throw new UsageError('groups: --prefix, --after and --limit go with --public');
      return client.groups(await commandEnv(a), a.invites ? 'invites' : 'mine');
    }),
  )
  .command(
    'group <action> <name> [args..]',
    'create | join | leave | members | decline | delete NAME; invite | kick | ban | unban | transfer NAME USER; '
      + 'role NAME USER admin|member; topic NAME TEXT; set NAME --private|--public|--history shared|joined',
    (y: Argv) =>
      y
        .positional('action', { choices: GROUP_ACTIONS })
        .positional('name', { type: 'string' })
        .positional('args', { type: 'string', array: true })
        .option('desc', { type: 'string', describe: 'description (the topic), with create' })
        .option('private', { type: 'boolean', describe: 'with create or set: joined by invitation only' })
        .option('public', { type: 'boolean', describe: 'with set: anyone may join' })
        .option('history', { choices: ['shared', 'joined'] as const, describe: 'with set: what new members see' }),
    run(async (a) => {
      const client = await clientCommands();
      const env = await commandEnv(a);
      const args = (a.args ?? []).map(String);
      const expect = (n: number, usage: string) => {
        if (args.length !== n) throw new UsageError(`group ${a.action} ${usage}`);
      };
      switch (a.action) {
        case 'members':
          expect(0, 'NAME');
          return client.groupMembers(env, a.name);
        case 'create':
          expect(0, 'NAME [--desc TEXT] [--private]');
          return client.group(env, 'create', a.name, { desc: a.desc, private: a.private });
        case 'join': case 'leave': case 'decline': case 'delete':
          expect(0, 'NAME');
          return client.group(env, a.action, a.name);
        case 'invite': case 'kick': case 'ban': case 'unban': case 'transfer':
          expect(1, 'NAME USER');
          return client.groupUser(env, a.action, a.name, args[0]!);
        case 'role': {
          expect(2, 'NAME USER admin|member');
          const role = args[1];
          if (role !== 'admin' && role !== 'member') throw new UsageError('group role NAME USER admin|member');
          return client.groupRole(env, a.name, args[0]!, role);
        }
        case 'topic':
          if (args.length === 0) throw new UsageError('group topic NAME TEXT');
          return client.groupTopic(env, a.name, args.join(' '));
        case 'set': {
          expect(0, 'NAME --private|--public|--history shared|joined');
          if (a.private && a.public) throw new UsageError('group set: --private or --public, not both');
          const isPrivate = a.private ? true : a.public ? false : undefined;
          if (isPrivate === undefined && a.history === undefined) throw new UsageError('group set NAME --private|--public|--history shared|joined');
          return client.groupSet(env, a.name, { private: isPrivate, history: a.history });
        }
      }
    }),
  )
  .command(
    'send [name] [text..]',
    'send TEXT to a friend, or with --group to a group',
    (y: Argv) =>
      y
        .positional('name', { type: 'string' })
        .positional('text', { type: 'string', array: true })
        .option('group', { type: 'string', describe: 'send to this group; then every positional is text' })
        .option('client-msg-id', { type: 'string', describe: 'idempotency key: a retried send with the same key is stored once' })
        .option('reply-to', { type: 'number', describe: 'answer the message with this seq (history prints it as #seq)' })
        .option('mention', { type: 'string', array: true, describe: 'mention this member (repeatable; a name may hold spaces: quote it)' }),
    run(async (a) => {
      const args =
        a.group !== undefined
          ? { group: a.group, text: textOf([a.name, ...(a.text ?? [])].filter((v) => v !== undefined), a['--']) }
          : { to: a.name, text: textOf(a.text, a['--']) };
      if (!a.group && a.name === undefined) throw new UsageError('send NAME TEXT');
      return (await clientCommands()).send(await commandEnv(a), { ...args, clientMsgId: a['client-msg-id'], replyTo: positiveInt('reply-to', a['reply-to']),
        mentions: a.mention?.map(String) });
    }),
  )
  .command(
    'edit [name] [seq] [text..]',
    'replace the text of your message #SEQ (with a friend, or with --group in a group); no time limit',
    (y: Argv) => eventOptions(y).positional('text', { type: 'string', array: true }),
    run(async (a) => {
      const { where, seq, rest } = eventTarget(a, 'edit NAME SEQ TEXT');
      return (await clientCommands()).edit(await commandEnv(a), { ...where, seq, text: textOf(rest, a['--']), clientMsgId: a['client-msg-id'] });
    }),
  )
  .command(
    'delete [name] [seq]',
    'delete message #SEQ: yours, or in a group you created anyone\'s; its text leaves the server',
    (y: Argv) => eventOptions(y),
    run(async (a) => {
      const { where, seq } = eventTarget(a, 'delete NAME SEQ');
      return (await clientCommands()).deleteMessage(await commandEnv(a), { ...where, seq, clientMsgId: a['client-msg-id'] });
    }),
  )
  .command(
    'react [name] [seq] [emoji]',
    'react to message #SEQ with EMOJI (any string up to 32 bytes), or take it back with --remove',
    (y: Argv) => eventOptions(y).positional('emoji', { type: 'string' }).option('remove', { type: 'boolean', default: false, describe: 'take your reaction back' }),
    run(async (a) => {
      const { where, seq, rest } = eventTarget(a, 'react NAME SEQ EMOJI');
      const emoji = rest[0];
      if (emoji === undefined || rest.length > 1) throw new UsageError('react NAME SEQ EMOJI');
      return (await clientCommands()).react(await commandEnv(a), { ...where, seq, emoji, remove: a.remove, clientMsgId: a['client-msg-id'] });
    }),
  )
  .command(
    'listen',
    'print the backlog, then live messages; ack what was printed',
    (y: Argv) =>
      y
        .option('count', { type: 'number', describe: 'exit after N messages (exit 4 if the timeout comes first)' })
        .option('timeout', { type: 'number', describe: 'exit after SECONDS' }),
    run(async (a) => {
      const count = positiveInt('count', a.count);
      if (a.timeout !== undefined && !(a.timeout >= 0)) throw new UsageError('--timeout must be a number of seconds');
      return (await listenCommand()).listen(await commandEnv(a), { count, timeoutSeconds: a.timeout });
    }),
  )
  .command(
    'history [name]',
    'show a conversation, newest last',
    (y: Argv) =>
      y
        .positional('name', { type: 'string' })
        .option('group', { type: 'string' })
        .option('limit', { type: 'number', default: 50, describe: 'at most N messages (1-500)' })
        .option('before', { type: 'number', describe: 'only messages with seq below this (paging)' })
        .option('mark-read', { type: 'boolean', describe: 'move the read cursor to the last message shown' }),
    run(async (a) =>
      (await clientCommands()).history(await commandEnv(a), {
        with: a.name, group: a.group, limit: positiveInt('limit', a.limit), before: positiveInt('before', a.before), markRead: a['mark-read'],
      }),
    ),
  )
  .command(
    'search <query..>',
    'find messages in your conversations, newest first (every word must appear)',
    (y: Argv) =>
      y
        .positional('query', { type: 'string', array: true })
        .option('with', { type: 'string', describe: 'only the conversation with this friend' })
        .option('group', { type: 'string', describe: 'only this group' })
        .option('from', { type: 'string', describe: 'only messages this user sent' })
        .option('limit', { type: 'number', describe: 'at most N results (1-100, default 20)' })
        .option('after', { type: 'string', describe: 'the next page: the cursor the previous page printed' }),
    run(async (a) =>
      (await clientCommands()).search(await commandEnv(a), {
        query: textOf(a.query, a['--']), with: a.with, group: a.group, from: a.from, limit: positiveInt('limit', a.limit), after: a.after,
      }),
    ),
  )
  .command('unread', 'unread counts per conversation', {}, run(async (a) => (await clientCommands()).unread(await commandEnv(a))))
  .command(
    'receipts [name] [seq]',
    'who of the other members has read up to message SEQ (history prints each #seq)',
    (y: Argv) =>
      y
        .positional('name', { type: 'string', describe: 'a friend (or give --group)' })
        .positional('seq', { type: 'string' })
        .option('group', { type: 'string' }),
    run(async (a) => {
      // with --group the one positional is the seq
      const [name, seqText] = a.group !== undefined ? [undefined, a.seq ?? a.name] : [a.name, a.seq];
      const seq = seqText === undefined ? undefined : Number(seqText);
      if (seq === undefined || !Number.isSafeInteger(seq) || seq < 1) throw new UsageError('receipts NAME SEQ, or receipts --group NAME SEQ (SEQ a message number)');
      return (await clientCommands()).receipts(await commandEnv(a), { with: name, group: a.group, seq });
    }),
  )
  .command(
    'mute [name]',
    'set which new messages of a conversation notify you, on every device (default: none)',
    (y: Argv) =>
      y
        .positional('name', { type: 'string', describe: 'a friend' })
        .option('group', { type: 'string' })
        .option('level', { choices: ['all', 'mentions', 'none'] as const, default: 'none' as const, describe: 'all = unmuted' }),
    run(async (a) => (await clientCommands()).mute(await commandEnv(a), { with: a.name, group: a.group, level: a.level })),
  )
  .command(
    'unmute [name]',
    'every new message of the conversation notifies you again (mute --level all)',
    (y: Argv) => y.positional('name', { type: 'string', describe: 'a friend' }).option('group', { type: 'string' }),
    run(async (a) => (await clientCommands()).mute(await commandEnv(a), { with: a.name, group: a.group, level: 'all' })),
  )
  .command(['chat', '$0'], 'open the terminal UI (--server and --user prefill its login screen)', {}, run(async (a) => {
    // Without a terminal (a pipe, a script) there is nothing to draw on: print the help instead.
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      cli.showHelp('log');
      return;
    }
    // Loaded on demand: the scriptable commands never need blessed.
    const config = clientConfig(a);
    const { runTui } = await import('../lib/tui/app.ts');
    const tls = config.tls ? { ca: config.ca ? readFileSync(config.ca) : undefined } : undefined;
    return runTui({ server: config.server, user: config.user, tls, config: config.tui });
  }))
  .strict()
  .help()
  .alias('h', 'help')
  .version(false)
  .fail((msg, err) => {
    throw err ?? new UsageError(msg);
  });

try {
  await cli.parseAsync();
  process.exitCode = exitCode;
} catch (err) {
  process.stderr.write(describe(err) + '\n');
  process.exitCode = opensDatabase ? exitCodeForDbCommand(err) : exitCodeFor(err);
}
