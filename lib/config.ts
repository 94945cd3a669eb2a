import { BlockList, isIP } from 'node:net';
import { ChatError } from './protocol/errors.ts';
import { DEFAULT_MAX_LINE_BYTES } from './protocol/framing.ts';

// Config is resolved once: defaults < env < flags. bin/ gathers env and flags into a partial
// object; everything below it receives only the resolved values it needs.

export interface ServerConfig {
  host: string;
  port: number;
  /** sqlite:PATH or mysql://… */
  db: string;
  nodeId: string;
  logLevel: string;
  maxLineBytes: number;
  /** message text limit, in UTF-16 code units as JavaScript counts them */
  maxTextLength: number;
  /** a connection whose unsent output passes this is dropped as a slow consumer */
  maxOutputBytes: number;
  /** a connection that sends nothing for this long is closed (clients ping every 30 s) */
  idleTimeoutMs: number;
  tokenTtlMs: number;
  /** most requests queued per connection before the socket stops being read */
  maxQueuedRequests: number;
  /** the MySQL connection pool (ignored for sqlite:) */
  dbPool: DbPoolConfig;
  /** failed password logins allowed per account, and per client address (0 = no limit), within loginFailWindowMs */
  loginFailLimit: number;
  loginFailLimitPerAddress: number;
  loginFailWindowMs: number;
  /** a connection that has not logged in after this long is closed */
  loginTimeoutMs: number;
  /** open connections per client address; 0 = no limit */
  maxConnectionsPerAddress: number;
  /**
   * Every connection from a trusted proxy starts with a PROXY protocol header (v1 or v2) naming
   * the client, whose address the limits and logs then use. Untrusted peers must send none.
   */
  proxyProtocol: boolean;
  /** CIDRs (IPv4 or IPv6; a bare address is one host) allowed to send a PROXY header */
  trustedProxies: string[];
  /** requests per second per connection (0 = no limit), and the burst allowed above it */
  rateLimit: number;
  rateBurst: number;
  /** serve GET /metrics and /healthz on this port (unset: no metrics endpoint) */
  metricsPort?: number | undefined;
  metricsHost: string;
  /** PEM files: serve TLS when both are set */
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  /** a TLS peer that has not finished its handshake after this long is disconnected */
  tlsHandshakeTimeoutMs: number;
  /** cluster mode: redis://HOST:PORT or redis+cluster://HOST:PORT[,…] (RedisBus); unset = LocalBus */
  redis?: string | undefined;
  /** the --redis URL names a Redis Cluster: sharded pub/sub (SSUBSCRIBE/SPUBLISH) */
  redisCluster: boolean;
  /** prefix of this cluster's Redis keys and channels */
  redisPrefix: string;
  /** a node's users show offline elsewhere this long after it stops refreshing (cluster mode) */
  presenceTtlMs: number;
  /** closed: `register` is refused, and accounts come only from `chat admin add-user` */
  registration: 'open' | 'closed';
  /** registrations allowed per client address (0 = no limit) within registerWindowMs */
  registerLimitPerAddress: number;
  registerWindowMs: number;
  /** how often the node checks the admin_actions table for operator actions (`chat admin`) it must act on */
  adminPollMs: number;
}

/** The four knobs of the MySQL pool, plus how often its figures are logged. README "MySQL". */
export interface DbPoolConfig {
  /** connections opened at start and kept open however idle */
  min: number;
  /** the pool never holds more */
  max: number;
  /** an idle connection above `min` is closed after this long */
  idleMs: number;
  /** a caller waiting this long for a connection gets CHAT_ERR_DB_BUSY */
  acquireTimeoutMs: number;
  /** pool figures are logged this often; 0 turns the log line off */
  logIntervalMs: number;
}

export const DB_POOL_DEFAULTS: DbPoolConfig = {
  min: 4,
  max: 32,
  idleMs: 30_000,
  acquireTimeoutMs: 2_000,
  logIntervalMs: 60_000,
};

/** Defaults filled in and every value checked; throws CHAT_ERR_CONFIG naming the bad key. */
export function resolveDbPoolConfig(partial: Partial<DbPoolConfig> = {}): DbPoolConfig {
  const pool: DbPoolConfig = { ...DB_POOL_DEFAULTS, ...dropUndefined(partial) };
  checkInt('dbPool.max', pool.max, 1, 10_000);
  checkInt('dbPool.min', pool.min, 0, pool.max);
  checkInt('dbPool.idleMs', pool.idleMs, 100, 24 * 3600 * 1000);
  checkInt('dbPool.acquireTimeoutMs', pool.acquireTimeoutMs, 1, 10 * 60 * 1000);
  checkInt('dbPool.logIntervalMs', pool.logIntervalMs, 0, 24 * 3600 * 1000);
  return pool;
}

export const SERVER_DEFAULTS: Omit<ServerConfig, 'db' | 'dbPool'> = {
  host: '127.0.0.1',
  port: 6000,
  nodeId: 'n1',
  logLevel: 'info',
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  maxTextLength: 16_000,
  maxOutputBytes: 4 * 1024 * 1024,
  idleTimeoutMs: 90_000,
  tokenTtlMs: 30 * 24 * 3600 * 1000,
  maxQueuedRequests: 256,
  loginFailLimit: 10,
  loginFailLimitPerAddress: 100,
  loginFailWindowMs: 60_000,
  loginTimeoutMs: 60_000,
  maxConnectionsPerAddress: 4096,
  proxyProtocol: false,
  trustedProxies: [],
  rateLimit: 2000,
  rateBurst: 4000,
  metricsHost: '127.0.0.1',
  tlsHandshakeTimeoutMs: 10_000,
  redisCluster: false,
  redisPrefix: 'chat',
  presenceTtlMs: 15_000,
  adminPollMs: 1000,
  registration: 'open',
  registerLimitPerAddress: 100,
  registerWindowMs: 60_000,
};

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export function resolveServerConfig(
  partial: Partial<Omit<ServerConfig, 'dbPool'>> & { db: string; dbPool?: Partial<DbPoolConfig> },
): ServerConfig {
  const { dbPool, ...rest } = partial;
  const config: ServerConfig = { ...SERVER_DEFAULTS, ...dropUndefined(rest), db: partial.db, dbPool: resolveDbPoolConfig(dbPool) };
  checkInt('port', config.port, 0, 65535);
  checkInt('maxLineBytes', config.maxLineBytes, 256, 64 * 1024 * 1024);
  checkInt('maxTextLength', config.maxTextLength, 1, 64 * 1024 * 1024);
  checkInt('maxOutputBytes', config.maxOutputBytes, 1024, 1024 * 1024 * 1024);
  checkInt('idleTimeoutMs', config.idleTimeoutMs, 100, 24 * 3600 * 1000);
  checkInt('tokenTtlMs', config.tokenTtlMs, 1000, 10 * 365 * 24 * 3600 * 1000);
  checkInt('maxQueuedRequests', config.maxQueuedRequests, 1, 1_000_000);
  checkInt('loginFailLimit', config.loginFailLimit, 1, 1_000_000);
  checkInt('loginFailLimitPerAddress', config.loginFailLimitPerAddress, 0, 1_000_000);
  checkInt('loginFailWindowMs', config.loginFailWindowMs, 1, 24 * 3600 * 1000);
  checkInt('loginTimeoutMs', config.loginTimeoutMs, 100, 24 * 3600 * 1000);
  checkInt('maxConnectionsPerAddress', config.maxConnectionsPerAddress, 0, 10_000_000);
  checkInt('rateLimit', config.rateLimit, 0, 10_000_000);
  checkInt('rateBurst', config.rateBurst, 1, 10_000_000);
  if (config.metricsPort !== undefined) checkInt('metricsPort', config.metricsPort, 0, 65535);
  checkInt('tlsHandshakeTimeoutMs', config.tlsHandshakeTimeoutMs, 100, 10 * 60 * 1000);
  checkInt('presenceTtlMs', config.presenceTtlMs, 300, 24 * 3600 * 1000);
  checkInt('adminPollMs', config.adminPollMs, 10, 3600 * 1000);
  checkInt('registerLimitPerAddress', config.registerLimitPerAddress, 0, 1_000_000);
  checkInt('registerWindowMs', config.registerWindowMs, 1, 24 * 3600 * 1000);
  if (config.registration !== 'open' && config.registration !== 'closed') throw configError('registration', 'must be open or closed');
  if (config.redis !== undefined && !/^rediss?(\+cluster)?:\/\/[^/]/.test(config.redis)) throw configError('redis', 'must be redis://HOST:PORT or redis+cluster://HOST:PORT[,HOST:PORT…]');
  if (!/^[\w.:-]{1,64}$/.test(config.redisPrefix)) throw configError('redisPrefix', 'must be 1-64 letters, digits, dot, colon, dash or underscore');
  if (!LOG_LEVELS.has(config.logLevel)) throw configError('logLevel', `must be one of ${[...LOG_LEVELS].join(', ')}`);
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) throw configError('tls', '--tls-cert and --tls-key go together');
  trustedProxyList(config.trustedProxies);
  if (config.proxyProtocol && config.trustedProxies.length === 0) throw configError('trustedProxies', '--proxy-protocol needs --trusted-proxies CIDR[,CIDR…]');
  if (!config.proxyProtocol && config.trustedProxies.length > 0) throw configError('trustedProxies', 'only with --proxy-protocol');
  if (config.proxyProtocol && config.tlsCert !== undefined) throw configError('proxyProtocol', 'not with --tls-cert: end TLS at the proxy');
  if (!/^(sqlite:|mysql:\/\/)/.test(config.db)) throw configError('db', 'must start with sqlite: or mysql://');
  if (!/^[\w.-]{1,64}$/.test(config.nodeId)) throw configError('nodeId', 'must be 1-64 letters, digits, dot, dash or underscore');
  return config;
}

/** The --trusted-proxies CIDRs as a BlockList; throws CHAT_ERR_CONFIG naming the bad entry. */
export function trustedProxyList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix, extra] = cidr.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const length = prefix === undefined ? bits : Number(prefix);
    if (family === 0 || extra !== undefined || !/^\d{1,3}$/.test(prefix ?? '0') || length > bits) {
      throw configError('trustedProxies', `expected ADDRESS/PREFIX (IPv4 or IPv6), got ${JSON.stringify(cidr)}`);
    }
    list.addSubnet(address, length, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

export interface ServerAddress {
  host: string;
  port: number;
}

/** Parses HOST:PORT, [v6]:PORT, or a bare HOST (port 6000). */
export function parseServerAddress(text: string): ServerAddress {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw configError('server', `expected HOST:PORT, got ${JSON.stringify(text)}`);
  const port = m[2] === undefined ? SERVER_DEFAULTS.port : Number(m[2]);
  checkInt('server', port, 1, 65535);
  return { host: m[1]!, port };
}

function checkInt(key: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw configError(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
}

function configError(key: string, why: string): ChatError {
  return new ChatError('CHAT_ERR_CONFIG', `config ${key}: ${why}`);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
