// The pieces every scenario uses: start the real `chat serve` or the raw relay as child
// processes, seed a database through the Store, fork load-generator workers, and run traffic.
// Everything started here is registered and stopped on exit, on error and on SIGINT.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hashPassword, hashToken } from '../../lib/server/credentials.ts';
import { SqliteStore } from '../../lib/db/sqlite-store.ts';
import type { Store } from '../../lib/db/store.ts';
import { nameKey } from '../../lib/protocol/names.ts';
import { diffHist, scrapeBatches, type BatchHist } from './batches.ts';
import { merge, percentiles, type Hist, type Percentiles } from './hist.ts';
import type { Account, FlowSpec, FromWorker, ReceiverSpec, Target, TargetKind, ToWorker } from './ipc.ts';
import { cpuSeconds, rssKiB, syscalls } from './proc.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHAT_BIN = join(ROOT, 'bin', 'chat.js');
const RELAY = join(ROOT, 'bench', 'relay.ts');
const PERSIST_RELAY = join(ROOT, 'bench', 'persist-relay.ts');
const WORKER = join(ROOT, 'bench', 'worker.ts');
export const PASSWORD = 'bench-password-1';

// ---- process bookkeeping ----

const live = new Set<ChildProcess>();
const tempDirs: string[] = [];
const cleanups: (() => void)[] = [];

/** Also run by killAll (so on exit, error, SIGINT and the hard limit); must be synchronous. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  live.clear();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const fn of cleanups) {
    try {
      fn();
    } catch {}
  }
}
process.on('exit', killAll);

export function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  tempDirs.push(dir);
  return join(dir, 'chat.db');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// ---- servers ----

export interface Running {
  kind: TargetKind;
  pid: number;
  port: number;
  spawnedAt: number;
  listeningAt: number;
  /** warn/error log lines the server wrote */
  problems: string[];
  /** chat serve's /metrics port, when it was started with --metrics-port */
  metricsPort?: number;
  stop(): Promise<void>;
}

export interface ChatOptions {
  port?: number;
  env?: Record<string, string>;
  /** write a V8 CPU profile into this directory when the server exits */
  profileDir?: string;
  /** another checkout whose bin/chat.js to run (before/after comparisons); default this one */
  root?: string;
  /** more `chat serve` flags */
  args?: string[];
}

/** `db`: a `--db` URL (sqlite:PATH, mysql://…) or a plain SQLite file path. */
export async function startChat(db: string, options: ChatOptions = {}): Promise<Running> {
  const dbUrl = db.startsWith('sqlite:') || db.startsWith('mysql://') ? db : `sqlite:${db}`;
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...options.env };
  const nodeFlags: string[] = [];
  if (options.profileDir) {
    // Node refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line of the same binary.
    mkdirSync(options.profileDir, { recursive: true });
    nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
  }
  const spawnedAt = Date.now();
  const bin = options.root ? join(options.root, 'bin', 'chat.js') : CHAT_BIN;
  const proc = track(spawn(process.execPath, [...nodeFlags, bin, 'serve', '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--db', dbUrl, ...(options.args ?? [])], {
    cwd: options.root ?? ROOT, env, stdio: ['ignore', 'ignore', 'pipe'],
  }));
  const problems: string[] = [];
  let buffered = '';
  let metricsPort: number | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('chat serve did not start within 30 s')), 30_000);
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        let entry: { msg?: string; level?: number; port?: number };
        try {
          entry = JSON.parse(line);
        } catch {
          if (line.trim() && problems.length < 50) problems.push(line);
          continue;
        }
        if (entry.msg === 'metrics listening') {
          metricsPort = entry.port;
        } else if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve(entry.port!);
        } else if ((entry.level ?? 0) >= 40 && problems.length < 50) {
          problems.push(line);
        }
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chat serve exited with ${code} before listening: ${problems.join('\n')}`));
    });
  });
  return {
    kind: 'chat', pid: proc.pid!, port, spawnedAt, listeningAt: Date.now(), problems, ...(metricsPort !== undefined ? { metricsPort } : {}),
    async stop() {
      proc.kill('SIGTERM');
      await waitExit(proc, 15_000);
    },
  };
}

/** `fault` is for tests of the checker only: "drop:N", "dup:N", or both comma-separated. */
export function startRelay(port = 0, fault?: string): Promise<Running> {
  return startBaseline('relay', [RELAY, String(port), '127.0.0.1', ...(fault ? [fault] : [])]);
}

/** The bare persisting relay (bench/persist-relay.ts) on a fresh SQLite file. */
export function startPersistRelay(port = 0): Promise<Running> {
  return startBaseline('persist', [PERSIST_RELAY, tempDb(), String(port), '127.0.0.1']);
}

async function startBaseline(kind: 'relay' | 'persist', args: string[]): Promise<Running> {
  const spawnedAt = Date.now();
  const proc = track(spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} relay did not start within 30 s`)), 30_000);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.once('data', (d: string) => {
      clearTimeout(timer);
      resolve(JSON.parse(d.split('\n')[0]!).listening);
    });
    proc.once('exit', (code) => reject(new Error(`${kind} relay exited with ${code}`)));
  });
  return {
    kind, pid: proc.pid!, port: listening, spawnedAt, listeningAt: Date.now(), problems: [],
    async stop() {
      proc.kill('SIGTERM');
      await waitExit(proc, 5000);
    },
  };
}

// ---- workers ----

export class Worker {
  private readonly proc: ChildProcess;
  private inbox: FromWorker[] = [];
  private waiter: (() => void) | null = null;
  private exited = false;

  get pid(): number {
    return this.proc.pid!;
  }

  constructor() {
    this.proc = track(fork(WORKER, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    this.proc.on('message', (m: FromWorker) => {
      this.inbox.push(m);
      this.waiter?.();
    });
    this.proc.once('exit', () => {
      this.exited = true;
      this.waiter?.();
    });
  }

  send(msg: ToWorker): void {
    this.proc.send(msg);
  }

  /** The next message of the given kind; a worker crash or a timeout is an error. */
  async next<E extends FromWorker['ev']>(ev: E, timeoutMs: number): Promise<Extract<FromWorker, { ev: E }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fatal = this.inbox.find((m) => m.ev === 'fatal');
      if (fatal) throw new Error(`worker failed: ${(fatal as { error: string }).error}`);
      const i = this.inbox.findIndex((m) => m.ev === ev);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<FromWorker, { ev: E }>;
      if (this.exited) throw new Error('worker exited');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`worker: no ${ev} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  async close(): Promise<void> {
    if (!this.exited) {
      this.proc.kill('SIGTERM');
      await waitExit(this.proc, 3000);
    }
  }
}

// ---- seeding through the Store ----

export interface Seeded {
  accounts: Account[];
  /** group name, when one was made */
  group?: string;
}

export interface SeedSpec {
  users: number;
  pairs?: boolean;
  group?: number;
}

let sharedHash: Promise<string> | undefined;

// Tokens depend only on the user's number and this process, so seeding two files (this checkout's
// and a --before checkout's) yields the same accounts, and one layout drives both servers.
const TOKEN_SALT = Math.random().toString(36).slice(2);

/**
 * seedStore on a SQLite file (what `chat serve --db sqlite:PATH` then opens). With `root`, the
 * file is created by that checkout's own SqliteStore, so a --before server runs on its own schema
 * (ours would migrate the file to this checkout's schema version, which an older server skips).
 */
export async function seed(dbPath: string, spec: SeedSpec, root?: string): Promise<Seeded> {
  const Sqlite: typeof SqliteStore = root
    ? (await import(pathToFileURL(join(root, 'lib', 'db', 'sqlite-store.ts')).href)).SqliteStore
    : SqliteStore;
  const store = Sqlite.open(dbPath);
  try {
    return await seedStore(store, spec);
  } finally {
    await store.close();
  }
}

/**
 * Users u1…uN with one precomputed scrypt hash and a resume token each; pairs (u1,u2), (u3,u4)…
 * made friends when `pairs` is set; a group of the first `group` users when set. Any Store
 * (SQLite here, MySQL in mysql.ts); the caller opens and closes it.
 */
export async function seedStore(store: Store, spec: SeedSpec): Promise<Seeded> {
  sharedHash ??= hashPassword(PASSWORD);
  const hash = await sharedHash;
  const accounts: Account[] = [];
  const ids: number[] = [];
  const expires = Date.now() + 24 * 3600_000;
  for (let i = 1; i <= spec.users; i++) {
    const name = `u${i}`;
    const user = await store.createUser(name, nameKey(name), hash);
    const token = `bench-token-${i}-${TOKEN_SALT}`;
    await store.saveToken(hashToken(token), user.id, expires);
    accounts.push({ name, token, password: PASSWORD });
    ids.push(user.id);
  }
  if (spec.pairs) {
    for (let i = 0; i + 1 < ids.length; i += 2) {
      await store.createFriendRequest(ids[i]!, ids[i + 1]!);
      await store.acceptFriendRequest(ids[i + 1]!, ids[i]!);
    }
  }
  let group: string | undefined;
  if (spec.group) {
    group = 'benchgroup';
    const g = await store.createGroup(group, nameKey(group), 'fan-out', ids[0]!);
    for (let i = 1; i < spec.group; i++) await store.joinGroup(g.id, ids[i]!);
  }
  return { accounts, ...(group ? { group } : {}) };
}

// ---- traffic ----

export interface Layout {
  flows: FlowSpec[];
  receivers: ReceiverSpec[];
  /** worker index of each flow and receiver */
  flowWorker: number[];
  receiverWorker: number[];
}

/** n pairs: sender u(2i+1) → receiver u(2i+2), pair i on worker i % workers. */
export function pairLayout(accounts: Account[], n: number, workers: number): Layout {
  const layout: Layout = { flows: [], receivers: [], flowWorker: [], receiverWorker: [] };
  for (let i = 0; i < n; i++) {
    const s = accounts[2 * i]!;
    const r = accounts[2 * i + 1]!;
    layout.flows.push({ index: i, sender: s, to: { to: r.name }, probe: r.name });
    layout.receivers.push({ account: r, relayTarget: s.name, from: [i] });
    layout.flowWorker.push(i % workers);
    layout.receiverWorker.push(i % workers);
  }
  return layout;
}

/** One sender (the first account) to a group of `members`; the second member paces it. */
export function groupLayout(accounts: Account[], members: number, group: string, workers: number): Layout {
  const layout: Layout = { flows: [], receivers: [], flowWorker: [], receiverWorker: [] };
  layout.flows.push({ index: 0, sender: accounts[0]!, to: { group }, probe: accounts[1]!.name });
  layout.flowWorker.push(0);
  for (let i = 1; i < members; i++) {
    layout.receivers.push({ account: accounts[i]!, relayTarget: `#${group}`, from: [0] });
    layout.receiverWorker.push(i === 1 ? 0 : i % workers);
  }
  return layout;
}

export interface TrafficOptions {
  window: number;
  warmMs: number;
  measureMs: number;
  workers: number;
  textBytes: number;
  /** each send carries a client_msg_id (UUIDv7), as lib/client's do (default true) */
  clientIds?: boolean;
  /** chat serve's receivers ack once per conversation per tick, as lib/client does (default true) */
  acks?: boolean;
  /** how long stragglers may take after the senders stop (default 10 s) */
  drainMs?: number;
  localAddresses?: string[];
  progress?: (line: string) => void;
  /** another process whose CPU is measured over the same phase (the MySQL server) */
  dbPid?: number;
  /** the same for the cluster's bus (the Redis server) */
  busPid?: number;
  /**
   * A second chat node (a cluster): the receivers connect to it, the senders to `server`, so every
   * message crosses the bus. Its CPU and RSS are added to the server's.
   */
  receiverServer?: Running;
}

export interface TrafficResult {
  deliveries: number;
  seconds: number;
  rate: number;
  latency: Percentiles;
  cpuUsPerMsg: number;
  /** CPU of options.dbPid over the same phase, per delivered message */
  dbCpuUsPerMsg?: number;
  /** CPU of options.busPid over the same phase, per delivered message */
  busCpuUsPerMsg?: number;
  /** the load generator's CPU (every worker process) over the same phase, per delivered message */
  generatorCpuUsPerMsg: number;
  /** the server's (every node's) read and write system calls over the same phase, per delivered message */
  syscallsPerMsg: { reads: number; writes: number };
  /** the measured phase's group commits, from chat serve's /metrics (when it has a metrics port) */
  batches?: BatchHist;
  rssKiB: number;
  sent: number;
  lost: number;
  duplicated: number;
  reordered: number;
  unacked: number;
  /**
   * chat serve with acks: the (receiver, conversation) pairs checked at the end, and how many of
   * them the last ack reply did not leave at the conversation's last seq
   */
  cursors: { checked: number; behind: number };
  errors: string[];
  drained: boolean;
}

export async function traffic(server: Running, layout: Layout, options: TrafficOptions): Promise<TrafficResult> {
  const target: Target = { kind: server.kind, host: '127.0.0.1', port: server.port };
  const second = options.receiverServer;
  const receiverTarget: Target | undefined = second ? { kind: second.kind, host: '127.0.0.1', port: second.port } : undefined;
  const servers = second ? [server, second] : [server];
  const serverCpu = () => servers.reduce((sum, s) => sum + cpuSeconds(s.pid), 0);
  const serverSyscalls = () => servers.reduce((sum, s) => {
    const c = syscalls(s.pid);
    return { reads: sum.reads + c.reads, writes: sum.writes + c.writes };
  }, { reads: 0, writes: 0 });
  const workers = Array.from({ length: options.workers }, () => new Worker());
  try {
    workers.forEach((w, wi) => w.send({
      cmd: 'setup', target, ...(receiverTarget ? { receiverTarget } : {}), textBytes: options.textBytes, clientIds: options.clientIds ?? true, acks: options.acks ?? true, localAddresses: options.localAddresses ?? [],
      flows: layout.flows.filter((_, i) => layout.flowWorker[i] === wi),
      receivers: layout.receivers.filter((_, i) => layout.receiverWorker[i] === wi),
    }));
    for (const w of workers) {
      const ready = await w.next('ready', 60_000);
      if (ready.failed) throw new Error(`${ready.failed} connections failed: ${ready.error}`);
    }
    const receiversOf = new Map<number, number>();
    for (const r of layout.receivers) for (const f of r.from) receiversOf.set(f, (receiversOf.get(f) ?? 0) + 1);

    const errors: string[] = [];
    const dbPid = options.dbPid;
    const busPid = options.busPid;
    const generatorCpu = () => workers.reduce((sum, w) => sum + cpuSeconds(w.pid), 0);
    const phase = async (runId: number, durationMs: number, measured: boolean) => {
      for (const w of workers) w.send({ cmd: 'reset', runId });
      for (const w of workers) await w.next('reset', 30_000);
      // the batch histogram is cumulative: read it right before and after the measured phase
      const batches0 = measured && server.metricsPort !== undefined ? await scrapeBatches(server.metricsPort) : undefined;
      const startedAt = Date.now();
      const cpu0 = serverCpu();
      const sys0 = serverSyscalls();
      const db0 = dbPid !== undefined ? cpuSeconds(dbPid) : 0;
      const bus0 = busPid !== undefined ? cpuSeconds(busPid) : 0;
      const gen0 = generatorCpu();
      const drainMs = options.drainMs ?? 10_000;
      for (const w of workers) w.send({ cmd: 'run', runId, durationMs, window: options.window, drainMs });
      const sent: Record<number, number> = {};
      const acked: Record<number, number> = {};
      const last: Record<number, { conversation: string; seq: number }> = {};
      for (const w of workers) {
        const s = await w.next('stopped', durationMs + 30_000);
        Object.assign(sent, s.sent);
        Object.assign(acked, s.acked);
        Object.assign(last, s.last);
        errors.push(...s.errors);
      }
      for (const w of workers) w.send({ cmd: 'collect', runId, expected: sent, timeoutMs: drainMs });
      const collected = [];
      for (const w of workers) {
        const c = await w.next('collected', 30_000);
        errors.push(...c.errors);
        collected.push(c);
      }
      const cpu1 = serverCpu();
      const sys1 = serverSyscalls();
      const db1 = dbPid !== undefined ? cpuSeconds(dbPid) : 0;
      const bus1 = busPid !== undefined ? cpuSeconds(busPid) : 0;
      const gen1 = generatorCpu();
      const batches1 = measured && server.metricsPort !== undefined ? await scrapeBatches(server.metricsPort) : undefined;
      const batches = batches1 ? diffHist(batches1, batches0) : undefined;
      return { startedAt, sys: { reads: sys1.reads - sys0.reads, writes: sys1.writes - sys0.writes }, cpu: cpu1 - cpu0, dbCpu: db1 - db0, busCpu: bus1 - bus0, genCpu: gen1 - gen0, batches, sent, acked, last, collected };
    };
    if (options.warmMs > 0) {
      options.progress?.(`warming up ${(options.warmMs / 1000).toFixed(0)} s`);
      await phase(1, options.warmMs, false);
    }
    options.progress?.(`measuring ${(options.measureMs / 1000).toFixed(0)} s`);
    const m = await phase(2, options.measureMs, true);
    const rss = servers.reduce((sum, s) => sum + rssKiB(s.pid), 0);

    const hist: Hist = {};
    let deliveries = 0;
    let last = 0;
    let maxUs = 0;
    let duplicated = 0;
    let reordered = 0;
    const distinct: Record<number, number> = {};
    for (const c of m.collected) {
      deliveries += c.stats.deliveries;
      last = Math.max(last, c.stats.lastDeliveryAt);
      maxUs = Math.max(maxUs, c.stats.maxUs);
      duplicated += c.stats.duplicated;
      reordered += c.stats.reordered;
      merge(hist, c.stats.hist);
      for (const [k, v] of Object.entries(c.stats.distinct)) distinct[Number(k)] = (distinct[Number(k)] ?? 0) + v;
    }
    let lost = 0;
    let sentTotal = 0;
    let unacked = 0;
    for (const [k, v] of Object.entries(m.sent)) {
      const index = Number(k);
      sentTotal += v;
      lost += v * (receiversOf.get(index) ?? 0) - (distinct[index] ?? 0);
      if (server.kind !== 'relay') unacked += v - (m.acked[index] ?? 0);
    }
    // Every receiver's delivered cursor must end where its senders' last acked send is.
    const cursors = { checked: 0, behind: 0 };
    if (server.kind === 'chat' && (options.acks ?? true)) {
      const reported: Record<string, Record<string, number>> = Object.assign({}, ...m.collected.map((c) => c.cursors));
      for (const r of layout.receivers) {
        for (const index of r.from) {
          if (!(m.sent[index]! > 0)) continue;
          const end = m.last[index];
          cursors.checked++;
          if (!end || reported[r.account.name]?.[end.conversation] !== end.seq) cursors.behind++;
        }
      }
    }
    const seconds = Math.max(0.001, (last - m.startedAt) / 1000);
    return {
      deliveries, seconds, rate: deliveries / seconds, latency: percentiles(hist, maxUs),
      cpuUsPerMsg: deliveries ? (m.cpu * 1e6) / deliveries : 0, rssKiB: rss, sent: sentTotal,
      generatorCpuUsPerMsg: deliveries ? (m.genCpu * 1e6) / deliveries : 0,
      syscallsPerMsg: { reads: deliveries ? m.sys.reads / deliveries : 0, writes: deliveries ? m.sys.writes / deliveries : 0 },
      ...(dbPid !== undefined ? { dbCpuUsPerMsg: deliveries ? (m.dbCpu * 1e6) / deliveries : 0 } : {}),
      ...(busPid !== undefined ? { busCpuUsPerMsg: deliveries ? (m.busCpu * 1e6) / deliveries : 0 } : {}),
      ...(m.batches ? { batches: m.batches } : {}),
      lost, duplicated, reordered, unacked, cursors, errors: errors.slice(0, 10), drained: m.collected.every((c) => c.drained),
    };
  } finally {
    for (const w of workers) w.send({ cmd: 'close' });
    await Promise.all(workers.map((w) => w.close()));
  }
}

// ---- many sessions ----

export interface SessionPool {
  workers: Worker[];
  /** resolves once every worker process is up, so its start-up is not timed */
  ready(): Promise<void>;
  /** connects (and logs in) every account, split over the workers; returns epoch ms of the last login */
  connect(target: Target, accounts: Account[], auth: 'token' | 'password' | 'relay', concurrency: number): Promise<{ ok: number; failed: number; lastAt: number; errors: string[] }>;
  close(): Promise<void>;
}

export function sessionPool(workerCount: number, localAddresses: string[]): SessionPool {
  const workers = Array.from({ length: workerCount }, () => new Worker());
  const pool: SessionPool = {
    workers,
    async ready() {
      for (const w of workers) w.send({ cmd: 'connect', target: { kind: 'relay', host: '127.0.0.1', port: 1 }, accounts: [], localAddresses: [], concurrency: 1, auth: 'relay' });
      for (const w of workers) await w.next('connected', 60_000);
    },
    async connect(target, accounts, auth, concurrency) {
      workers.forEach((w, wi) => {
        const mine = accounts.filter((_, i) => i % workerCount === wi);
        // each worker gets its own slice of source addresses
        const addrs = localAddresses.filter((_, i) => i % workerCount === wi);
        w.send({ cmd: 'connect', target, accounts: mine, localAddresses: addrs.length ? addrs : localAddresses, concurrency, auth });
      });
      let ok = 0;
      let failed = 0;
      let lastAt = 0;
      const errors: string[] = [];
      for (const w of workers) {
        const r = await w.next('connected', 300_000);
        ok += r.ok;
        failed += r.failed;
        lastAt = Math.max(lastAt, r.lastAt);
        errors.push(...r.errors);
      }
      return { ok, failed, lastAt, errors };
    },
    async close() {
      for (const w of workers) w.send({ cmd: 'close' });
      await Promise.all(workers.map((w) => w.close()));
    },
  };
  return pool;
}

export { sleep };
