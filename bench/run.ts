// `npm run bench -- [SCENARIO…] [--quick] [--reps N] [--sessions N] [--before DIR] [--profile] [--no-client-ids] [--no-acks]`
// (bench/README.md lists what each does).
// Runs each scenario against the raw relay (bench/relay.ts), the bare persisting relay
// (bench/persist-relay.ts, the traffic scenarios) and the real `chat serve` on the embedded SQLite
// default, in the same invocation, with the same generator and message size, and prints every
// figure beside the baselines'. The *-mysql scenarios add `chat serve` on a scratch
// MySQL database to the same repetitions, compared with the SQLite server of the same run; the
// *-cluster scenarios add two nodes on that database and a Redis bus, compared with the one node.
// Results also go to bench/results/<date>-<scenario>.json.
// Lost, duplicated or reordered messages fail the run (exit 1).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  groupLayout, killAll, pairLayout, ROOT, seed, sessionPool, sleep, startChat, startPersistRelay, startRelay, tempDb, traffic,
  type Running, type TrafficResult,
} from './lib/harness.ts';
import type { Target } from './lib/ipc.ts';
import { addHists, batchStats, formatShares, type BatchStats } from './lib/batches.ts';
import { measureDurability } from './lib/durability.ts';
import { MYSQL_BASE, scratchMysql, seedMysql, type ScratchMysql } from './lib/mysql.ts';
import { startCluster } from './lib/cluster.ts';
import { benchRedis, REDIS_URL, type BenchRedis } from './lib/redis.ts';
import { cpuSeconds, machineInfo, rssKiB } from './lib/proc.ts';
import { redactMysqlUrl } from '../lib/db/mysql-url.ts';
import { DB_POOL_DEFAULTS } from '../lib/config.ts';

const SCENARIOS = [
  'closed-50', 'w64-10', 'fanout-200', 'idle', 'login-storm', 'durability', 'closed-50-mysql', 'w64-10-mysql', 'closed-50-cluster', 'w64-10-cluster',
] as const;
type Scenario = (typeof SCENARIOS)[number];
// What a run without scenario names does.
const DEFAULT_SCENARIOS: readonly Scenario[] = SCENARIOS;
type PairBase = 'closed-50' | 'w64-10';
const MYSQL_OF: Record<PairBase, Scenario> = { 'closed-50': 'closed-50-mysql', 'w64-10': 'w64-10-mysql' };
const CLUSTER_OF: Record<PairBase, Scenario> = { 'closed-50': 'closed-50-cluster', 'w64-10': 'w64-10-cluster' };

const args = process.argv.slice(2);
const USAGE = `usage: npm run bench -- [SCENARIO…] [--quick] [--reps N] [--sessions N] [--before DIR] [--profile] [--no-client-ids] [--no-acks]
scenarios: ${SCENARIOS.join(', ')} (all when none is named); bench/README.md says what each flag does`;
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const KNOWN_FLAGS = ['--quick', '--profile', '--no-client-ids', '--no-acks', '--client-ids', '--reps', '--sessions', '--before'];
const unknownFlag = args.find((a) => a.startsWith('-') && !KNOWN_FLAGS.includes(a));
if (unknownFlag !== undefined) {
  console.error(`bench: unknown flag ${unknownFlag}\n${USAGE}`);
  process.exit(2);
}
const quick = args.includes('--quick');
const profile = args.includes('--profile');
// The traffic real clients send (lib/client): every send carries a client_msg_id (UUIDv7), and
// every receiver acks each conversation once per tick. The --no-* flags are for comparison only;
// the targets are set on the default. The relays get the same send lines; receivers ack only chat.
const clientIds = !args.includes('--no-client-ids');
const acks = !args.includes('--no-acks');
if (args.includes('--client-ids')) {
  console.error('bench: --client-ids is the default now; --no-client-ids turns them off');
  process.exit(2);
}
const repsArg = args.indexOf('--reps');
const reps = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 1 : 3;
const sessionsArg = args.indexOf('--sessions');
// --before DIR: also run the chat server of another checkout (e.g. `git archive` of the last
// commit) in the same invocation, to show what a hot-path change did on the same machine.
const beforeArg = args.indexOf('--before');
const beforeRoot = beforeArg >= 0 ? args[beforeArg + 1] : undefined;
const VALUE_FLAGS = ['--reps', '--sessions', '--before'];
const selected = args.filter((a, i) => !a.startsWith('--') && !VALUE_FLAGS.includes(args[i - 1]!));
for (const s of selected) {
  if (!(SCENARIOS as readonly string[]).includes(s)) {
    console.error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
}
const scenarios: Scenario[] = selected.length ? (selected as Scenario[]) : [...DEFAULT_SCENARIOS];
// A *-mysql scenario named on the command line fails the run when MySQL cannot be reached; one
// that only came with the default list is skipped with a note.
const explicit = selected.length > 0;

const TEXT_BYTES = 120;
const WARM_MS = quick ? 1000 : 2000;
const MEASURE_MS = quick ? 4000 : 10_000;
const IDLE_SESSIONS = sessionsArg >= 0 ? Number(args[sessionsArg + 1]) : quick ? 2000 : 15_000;
const STORM_SESSIONS = sessionsArg >= 0 ? Number(args[sessionsArg + 1]) : quick ? 2000 : 10_000;
const PASSWORD_LOGINS = quick ? 24 : 100;
const RUN_LIMIT_MS = (quick ? 3 : 30) * 60_000;
// Profiles stay out of the tree (only bench/results/*.json is ignored there).
const PROFILE_DIR = join(tmpdir(), 'chat-bench-profiles');
// several source addresses keep 15k sockets clear of one address's ephemeral ports
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

const started = Date.now();
const hardStop = setTimeout(() => {
  console.error(`bench: over its ${RUN_LIMIT_MS / 60000} min limit; stopping everything`);
  killAll();
  process.exit(1);
}, RUN_LIMIT_MS);
hardStop.unref();
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}; stopping everything`);
    killAll(); // also drops any scratch MySQL database still there
    process.exit(code);
  });
}

const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

interface Row {
  scenario: string;
  server: string;
  metric: Record<string, number | string>;
}
interface Target_ {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
  /** set when the run was smaller than the target's size: then "met" cannot be claimed */
  note?: string;
  /** a reporting target: "reported" once measured, "open" when it could not be */
  status?: 'reported' | 'open';
  /** targets of one group print as one line (the MySQL scenarios) */
  group?: string;
}
const results: Record<string, { rows: Row[]; targets: Target_[]; raw: unknown }> = {};
let correctnessFailures: string[] = [];
const failures: string[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! + (s.length % 2 ? 0 : (s[s.length / 2]! - s[Math.floor((s.length - 1) / 2)]!) / 2) : 0;
};
const ms = (us: number) => (us / 1000).toFixed(2);

function checkCorrectness(scenario: string, server: string, r: TrafficResult): void {
  const bad = [];
  if (r.lost) bad.push(`${r.lost} lost`);
  if (r.duplicated) bad.push(`${r.duplicated} duplicated`);
  if (r.reordered) bad.push(`${r.reordered} reordered`);
  if (r.unacked) bad.push(`${r.unacked} unacked`);
  if (r.cursors.behind) bad.push(`${r.cursors.behind} of ${r.cursors.checked} delivered cursors short of the last seq`);
  if (r.errors.length) bad.push(`errors: ${r.errors.join('; ')}`);
  if (bad.length) {
    const line = `${scenario} on ${server}: ${bad.join(', ')}`;
    correctnessFailures.push(line);
    console.error(`!!! CORRECTNESS FAILURE: ${line}`);
  }
}

/** Medians over the repetitions, which alternate relay and chat so drift hits both. */
function summarize(rs: TrafficResult[]) {
  return {
    rate: median(rs.map((r) => r.rate)),
    p50: median(rs.map((r) => r.latency.p50)),
    p99: median(rs.map((r) => r.latency.p99)),
    max: Math.max(...rs.map((r) => r.latency.max)),
    cpu: median(rs.map((r) => r.cpuUsPerMsg)),
    generatorCpu: median(rs.map((r) => r.generatorCpuUsPerMsg)),
    reads: median(rs.map((r) => r.syscallsPerMsg.reads)),
    writes: median(rs.map((r) => r.syscallsPerMsg.writes)),
    rssMiB: median(rs.map((r) => r.rssKiB)) / 1024,
    lost: rs.reduce((a, r) => a + r.lost, 0),
    duplicated: rs.reduce((a, r) => a + r.duplicated, 0),
    reordered: rs.reduce((a, r) => a + r.reordered, 0),
    deliveries: rs.reduce((a, r) => a + r.deliveries, 0),
    dbCpu: rs.some((r) => r.dbCpuUsPerMsg !== undefined) ? median(rs.map((r) => r.dbCpuUsPerMsg ?? 0)) : undefined,
    busCpu: rs.some((r) => r.busCpuUsPerMsg !== undefined) ? median(rs.map((r) => r.busCpuUsPerMsg ?? 0)) : undefined,
    // pooled over the repetitions
    batches: rs.every((r) => r.batches) ? batchStats(addHists(rs.map((r) => r.batches!))!) : undefined,
  };
}
type Summary = ReturnType<typeof summarize>;

// The per-connection request rate limit (default 2000/s, burst 4000) guards against abusive
// clients; W64 deliberately sends far faster than any person, so traffic scenarios turn it off.
// Everything else is the default `chat serve`.
// `--metrics-port 0` (a free port, logged by the server) lets the runner read the batch-size
// histogram; it costs a few counter additions per batch.
const TRAFFIC_FLAGS = ['--rate-limit', '0', '--metrics-port', '0'];
// an older checkout (--before) may not have the metrics endpoint
const beforeFlags = beforeRoot && !existsSync(join(beforeRoot, 'lib', 'server', 'metrics-http.ts')) ? ['--rate-limit', '0'] : TRAFFIC_FLAGS;

async function withChat<T>(db: string, fn: (s: Running) => Promise<T>, label: string, root?: string, args: string[] = []): Promise<T> {
  const server = await startChat(db, { ...(profile ? { profileDir: PROFILE_DIR } : {}), ...(root ? { root } : {}), args });
  try {
    return await fn(server);
  } finally {
    await server.stop();
    if (server.problems.length) log(`${label}: chat serve logged ${server.problems.length} warnings, first: ${server.problems[0]!.slice(0, 200)}`);
  }
}

async function withRelay<T>(fn: (s: Running) => Promise<T>, start: () => Promise<Running> = () => startRelay()): Promise<T> {
  const relay = await start();
  try {
    return await fn(relay);
  } finally {
    await relay.stop();
  }
}

const chatW64: number[] = [];

const sysNote = (r: TrafficResult) => `, ${r.syscallsPerMsg.reads.toFixed(2)} reads + ${r.syscallsPerMsg.writes.toFixed(2)} writes/msg`;
const batchNote = (r: TrafficResult) => (r.batches ? `, ${(r.batches.count ? r.batches.sum / r.batches.count : 0).toFixed(1)} msg/batch` : '');

async function trafficScenario(
  name: string, kind: 'pairs' | 'group', size: number, window: number, mysql?: ScratchMysql, redis?: BenchRedis,
): Promise<{ relay: Summary; persist: Summary; chat: Summary; mysql?: Summary; cluster?: Summary }> {
  const db = tempDb();
  const users = kind === 'pairs' ? size * 2 : size;
  const spec = kind === 'pairs' ? { users, pairs: true } : { users, group: size };
  log(`${name}: seeding ${users} users through the Store`);
  const seeded = await seed(db, spec);
  const layout = kind === 'pairs' ? pairLayout(seeded.accounts, size, 2) : groupLayout(seeded.accounts, size, seeded.group!, 2);
  // The --before server gets its own file, seeded by its own Store: same accounts, its own schema.
  const beforeDb = beforeRoot ? tempDb() : undefined;
  if (beforeRoot && beforeDb) {
    const b = await seed(beforeDb, spec, beforeRoot);
    if (JSON.stringify(b) !== JSON.stringify(seeded)) throw new Error(`${name}: the --before checkout seeded different accounts`);
  }
  // A MySQL failure (seeding, start-up, a run) fails its *-mysql scenario, not the SQLite one.
  let mysqlLayout: typeof layout | undefined;
  let mysqlError: string | undefined;
  const mysqlFailed = (err: unknown) => {
    mysqlError = (err as Error).message;
    mysqlLayout = undefined;
    failures.push(`${name}-mysql: ${mysqlError}`);
    console.error(`bench: ${name}-mysql failed: ${(err as Error).stack}`);
  };
  // The cluster runs on the MySQL run's database and accounts; it fails on its own otherwise.
  let clusterError: string | undefined;
  const clusterFailed = (err: unknown) => {
    clusterError = (err as Error).message;
    failures.push(`${name}-cluster: ${clusterError}`);
    console.error(`bench: ${name}-cluster failed: ${(err as Error).stack}`);
  };
  if (mysql) {
    log(`${name}: seeding ${users} users through MysqlStore into ${mysql.name}${mysql.serverPid ? ` (mysql server pid ${mysql.serverPid})` : '; mysql server process not found, its CPU is not measured'}`);
    try {
      const s = await seedMysql(mysql.url, spec);
      mysqlLayout = kind === 'pairs' ? pairLayout(s.accounts, size, 2) : groupLayout(s.accounts, size, s.group!, 2);
    } catch (err) {
      mysqlFailed(err);
    }
  }
  const relayRuns: TrafficResult[] = [];
  const persistRuns: TrafficResult[] = [];
  const chatRuns: TrafficResult[] = [];
  const beforeRuns: TrafficResult[] = [];
  const mysqlRuns: TrafficResult[] = [];
  const clusterRuns: TrafficResult[] = [];
  const opts = { window, warmMs: WARM_MS, measureMs: MEASURE_MS, workers: 2, textBytes: TEXT_BYTES, clientIds, acks };
  for (let rep = 1; rep <= reps; rep++) {
    const tag = reps > 1 ? ` (run ${rep}/${reps})` : '';
    const r = await withRelay((relay) => traffic(relay, layout, { ...opts, progress: (l) => log(`${name} relay${tag}: ${l}`) }));
    checkCorrectness(name, 'relay', r);
    log(`${name} relay${tag}: ${r.rate.toFixed(0)} msg/s, p99 ${ms(r.latency.p99)} ms, ${r.cpuUsPerMsg.toFixed(1)} µs CPU/msg (generator ${r.generatorCpuUsPerMsg.toFixed(1)})${sysNote(r)}`);
    relayRuns.push(r);
    const p = await withRelay((persist) => traffic(persist, layout, { ...opts, progress: (l) => log(`${name} persist-relay${tag}: ${l}`) }), () => startPersistRelay());
    checkCorrectness(name, 'persist-relay', p);
    log(`${name} persist-relay${tag}: ${p.rate.toFixed(0)} msg/s, p99 ${ms(p.latency.p99)} ms, ${p.cpuUsPerMsg.toFixed(1)} µs CPU/msg (generator ${p.generatorCpuUsPerMsg.toFixed(1)})${sysNote(p)}`);
    persistRuns.push(p);
    const c = await withChat(db, (chat) => traffic(chat, layout, { ...opts, progress: (l) => log(`${name} chat${tag}: ${l}`) }), name, undefined, TRAFFIC_FLAGS);
    checkCorrectness(name, 'chat', c);
    log(`${name} chat${tag}: ${c.rate.toFixed(0)} msg/s, p99 ${ms(c.latency.p99)} ms, ${c.cpuUsPerMsg.toFixed(1)} µs CPU/msg (generator ${c.generatorCpuUsPerMsg.toFixed(1)})${sysNote(c)}${batchNote(c)}`);
    chatRuns.push(c);
    if (beforeRoot) {
      const b = await withChat(beforeDb!, (chat) => traffic(chat, layout, { ...opts, progress: (l) => log(`${name} chat-before${tag}: ${l}`) }), name, beforeRoot, beforeFlags);
      checkCorrectness(name, 'chat-before', b);
      log(`${name} chat-before${tag}: ${b.rate.toFixed(0)} msg/s, p99 ${ms(b.latency.p99)} ms, ${b.cpuUsPerMsg.toFixed(1)} µs CPU/msg (generator ${b.generatorCpuUsPerMsg.toFixed(1)})${sysNote(b)}${batchNote(b)}`);
      beforeRuns.push(b);
    }
    if (mysql && mysqlLayout) {
      const label = `${name}-mysql`;
      const dbPid = mysql.serverPid;
      const myLayout = mysqlLayout;
      try {
        const m = await withChat(mysql.url, (chat) => traffic(chat, myLayout, { ...opts, ...(dbPid ? { dbPid } : {}), progress: (l) => log(`${label} chat${tag}: ${l}`) }), label, undefined, TRAFFIC_FLAGS);
        checkCorrectness(label, 'chat (mysql)', m);
        log(`${label} chat${tag}: ${m.rate.toFixed(0)} msg/s, p99 ${ms(m.latency.p99)} ms, ${m.cpuUsPerMsg.toFixed(1)} µs CPU/msg + mysql server ${m.dbCpuUsPerMsg?.toFixed(1) ?? '?'} µs${batchNote(m)}`);
        mysqlRuns.push(m);
      } catch (err) {
        mysqlFailed(err);
      }
    }
    if (mysql && redis && clusterError === undefined) {
      const label = `${name}-cluster`;
      const myLayout = mysqlLayout;
      try {
        if (!myLayout) throw new Error(`needs ${name}-mysql's database and accounts, and that failed: ${mysqlError}`);
        const cluster = await startCluster(mysql.url, redis, { ...(profile ? { profileDir: PROFILE_DIR } : {}), args: TRAFFIC_FLAGS });
        try {
          const c = await traffic(cluster.a, myLayout, {
            ...opts, receiverServer: cluster.b, ...(mysql.serverPid ? { dbPid: mysql.serverPid } : {}), ...(redis.serverPid ? { busPid: redis.serverPid } : {}),
            progress: (l) => log(`${label} chat${tag}: ${l}`),
          });
          checkCorrectness(label, 'chat (cluster)', c);
          log(`${label} chat${tag}: ${c.rate.toFixed(0)} msg/s, p99 ${ms(c.latency.p99)} ms, ${c.cpuUsPerMsg.toFixed(1)} µs CPU/msg (2 nodes) + mysql server ${c.dbCpuUsPerMsg?.toFixed(1) ?? '?'} + redis ${c.busCpuUsPerMsg?.toFixed(1) ?? '?'} µs${batchNote(c)}`);
          clusterRuns.push(c);
        } finally {
          await cluster.stop();
          for (const n of [cluster.a, cluster.b]) if (n.problems.length) log(`${label}: a node logged ${n.problems.length} warnings, first: ${n.problems[0]!.slice(0, 200)}`);
        }
      } catch (err) {
        clusterFailed(err);
      }
    }
  }
  const relay = summarize(relayRuns);
  const persist = summarize(persistRuns);
  const chat = summarize(chatRuns);
  const baseline = (server: string) => server === 'relay' || server === 'persist-relay';
  const row = (server: string, s: Summary): Row => ({
    scenario: name, server,
    metric: {
      'msg/s': Math.round(s.rate), 'p50 ms': ms(s.p50), 'p99 ms': ms(s.p99), 'max ms': ms(s.max),
      'CPU µs/msg': s.cpu.toFixed(1), 'generator CPU µs/msg': s.generatorCpu.toFixed(1), 'reads+writes/msg': `${s.reads.toFixed(2)}+${s.writes.toFixed(2)}`, 'RSS MiB': s.rssMiB.toFixed(0), 'lost/dup/reord': `${s.lost}/${s.duplicated}/${s.reordered}`,
      'msg/s vs relay': (s.rate / relay.rate).toFixed(2),
      'CPU vs relay': (s.cpu / relay.cpu).toFixed(2),
      'msg/s vs persist': (s.rate / persist.rate).toFixed(2),
      'CPU vs persist': (s.cpu / persist.cpu).toFixed(2),
      ...(baseline(server) ? {} : batchCells(s.batches)),
    },
  });
  const rows = [row('relay', relay), row('persist-relay', persist), row('chat', chat)];
  const targets: Target_[] = [];
  if (beforeRuns.length) {
    const before = summarize(beforeRuns);
    rows.push(row('chat-before', before));
    if (kind === 'pairs') targets.push(beforeTarget(name, chat, before, chatRuns, beforeRuns));
  }
  results[name] = { rows, targets, raw: { relayRuns, persistRuns, chatRuns, beforeRuns, batches: chat.batches } };
  if (!mysql) return { relay, persist, chat };
  const label = `${name}-mysql`;
  if (mysqlError !== undefined) {
    results[label] = { rows: [], targets: [{ name: 'MySQL', group: 'MySQL', goal: MYSQL_GOAL, status: 'open', met: false, measured: `${name}: failed: ${mysqlError}` }], raw: { error: mysqlError, mysqlRuns } };
    return { relay, persist, chat };
  }
  const my = summarize(mysqlRuns);
  const myRow = row('chat (mysql)', my);
  Object.assign(myRow.metric, {
    'mysql server CPU µs/msg': my.dbCpu === undefined ? '—' : my.dbCpu.toFixed(1),
    'msg/s vs SQLite': (my.rate / chat.rate).toFixed(2),
    'CPU vs SQLite': (my.cpu / chat.cpu).toFixed(2),
    'CPU+mysql vs SQLite': my.dbCpu === undefined ? '—' : ((my.cpu + my.dbCpu) / chat.cpu).toFixed(2),
  });
  results[label] = {
    rows: [myRow], targets: [],
    raw: {
      mysqlRuns, sqliteChat: chat, relay, batches: my.batches, database: redactMysqlUrl(mysql.url), mysqlServerPid: mysql.serverPid,
      pool: DB_POOL_DEFAULTS, note: 'SQLite and relay figures are from the same repetitions (relay, chat on SQLite, chat on MySQL in turn)',
    },
  };
  if (!redis) return { relay, persist, chat, mysql: my };
  const clusterLabel = `${name}-cluster`;
  if (clusterError !== undefined || clusterRuns.length === 0) {
    const why = clusterError ?? 'no run';
    results[clusterLabel] = { rows: [], targets: [{ name: 'cluster', group: 'cluster', goal: CLUSTER_GOAL, status: 'open', met: false, measured: `${name}: failed: ${why}` }], raw: { error: why, clusterRuns } };
    return { relay, persist, chat, mysql: my };
  }
  const cl = summarize(clusterRuns);
  const clRow = row('chat (cluster)', cl);
  const oneNode = my.cpu + (my.dbCpu ?? 0);
  Object.assign(clRow.metric, {
    'mysql server CPU µs/msg': cl.dbCpu === undefined ? '—' : cl.dbCpu.toFixed(1),
    'redis server CPU µs/msg': cl.busCpu === undefined ? '—' : cl.busCpu.toFixed(1),
    'msg/s vs 1 MySQL node': (cl.rate / my.rate).toFixed(2),
    'CPU+servers vs 1 MySQL node': cl.dbCpu === undefined || cl.busCpu === undefined || my.dbCpu === undefined ? '—' : ((cl.cpu + cl.dbCpu + cl.busCpu) / oneNode).toFixed(2),
  });
  results[clusterLabel] = {
    rows: [clRow], targets: [],
    raw: {
      clusterRuns, oneMysqlNode: my, batches: cl.batches, database: redactMysqlUrl(mysql.url), redis: REDIS_URL, redisServerPid: redis.serverPid,
      note: 'two nodes on one MySQL database and one Redis; senders on one node, receivers on the other; the one-node MySQL figures are from the same repetitions',
    },
  };
  return { relay, persist, chat, mysql: my, cluster: cl };
}

function batchCells(b: BatchStats | undefined): Record<string, string> {
  return b
    ? { 'msg/batch': b.mean.toFixed(1), 'batches % 1/2-8/9-64/65+': formatShares(b) }
    : { 'msg/batch': '—', 'batches % 1/2-8/9-64/65+': '—' };
}

const describeBatches = (b: BatchStats | undefined) => (b ? `${b.mean.toFixed(1)} msg/batch (${formatShares(b)} % of batches of 1/2–8/9–64/65+)` : 'batch sizes not read');

/** The MySQL part of a 1:1 scenario's target line; the runner prints them as one "MySQL" line. */
function mysqlTarget(base: PairBase, chat: Summary, my: Summary): void {
  const db = my.dbCpu === undefined ? 'mysql server CPU not measured' : `+ mysql server ${my.dbCpu.toFixed(1)} µs = ${((my.cpu + my.dbCpu) / chat.cpu).toFixed(2)}× SQLite's server CPU`;
  results[MYSQL_OF[base]]!.targets.push({
    name: 'MySQL', group: 'MySQL', goal: MYSQL_GOAL, met: my.rate >= MYSQL_VS_SQLITE[base] * chat.rate,
    measured: `${base}: ${Math.round(my.rate)} msg/s = ${(my.rate / chat.rate).toFixed(2)}× (goal ${MYSQL_VS_SQLITE[base]}×) SQLite's ${Math.round(chat.rate)}, p99 ${ms(my.p99)} vs ${ms(chat.p99)} ms, ` +
      `server CPU ${my.cpu.toFixed(1)} vs ${chat.cpu.toFixed(1)} µs/msg (${db}); batches: MySQL ${describeBatches(my.batches)}, SQLite ${describeBatches(chat.batches)}`,
  });
}

const CLUSTER_GOAL = 'the 1:1 scenarios across two nodes (one MySQL database, a Redis bus): ≥ 0.9× one node on MySQL, both';

/** The cluster line: every message crossed from the senders' node to the receivers' over Redis. */
function clusterTarget(base: PairBase, my: Summary, cl: Summary): void {
  const servers = cl.dbCpu === undefined || cl.busCpu === undefined || my.dbCpu === undefined
    ? 'database or Redis CPU not measured'
    : `+ mysql server ${cl.dbCpu.toFixed(1)} + redis ${cl.busCpu.toFixed(1)} µs = ${((cl.cpu + cl.dbCpu + cl.busCpu) / (my.cpu + my.dbCpu)).toFixed(2)}× one node's chat serve + mysql server`;
  results[CLUSTER_OF[base]]!.targets.push({
    name: 'cluster', group: 'cluster', goal: CLUSTER_GOAL, met: cl.rate >= CLUSTER_VS_MYSQL * my.rate,
    measured: `${base}: ${Math.round(cl.rate)} msg/s = ${(cl.rate / my.rate).toFixed(2)}× one MySQL node's ${Math.round(my.rate)}, p99 ${ms(cl.p99)} vs ${ms(my.p99)} ms, ` +
      `chat serve CPU ${cl.cpu.toFixed(1)} (two nodes) vs ${my.cpu.toFixed(1)} µs/msg (${servers}); ${describeBatches(cl.batches)}`,
  });
}

// Issue 17's budget: the conversation layer may cost at most this much more server CPU per 1:1
// message than the main it started from, run as --before (medians of a full run).
const BEFORE_CPU_BUDGET = 1.15;

function beforeTarget(name: string, chat: Summary, before: Summary, chatRuns: TrafficResult[], beforeRuns: TrafficResult[]): Target_ {
  const each = chatRuns.map((c, i) => `×${(c.cpuUsPerMsg / beforeRuns[i]!.cpuUsPerMsg).toFixed(2)}`).join(', ');
  return {
    name: `${name} CPU vs --before`, goal: `server CPU per 1:1 message ≤ ×${BEFORE_CPU_BUDGET} the --before checkout's (issue 17's budget)`,
    measured: `${chat.cpu.toFixed(1)} vs ${before.cpu.toFixed(1)} µs = ×${(chat.cpu / before.cpu).toFixed(2)} (each repetition: ${each})`,
    met: chat.cpu <= BEFORE_CPU_BUDGET * before.cpu,
  };
}

// The targets of issue 15, each a ratio to a baseline of the same invocation, on realistic
// traffic (client ids and acks, the default).
const CLOSED_CPU_VS_RELAY = 3;
const W64_RATE_VS_RELAY = 1;
const W64_P99_VS_RELAY = 1.5;
const MYSQL_VS_SQLITE: Record<PairBase, number> = { 'closed-50': 0.4, 'w64-10': 0.6 };
const CLUSTER_VS_MYSQL = 0.9;

async function closed50(mysql?: ScratchMysql, redis?: BenchRedis): Promise<void> {
  const { relay, persist, chat, mysql: my, cluster } = await trafficScenario('closed-50', 'pairs', 50, 1, mysql, redis);
  if (my) mysqlTarget('closed-50', chat, my);
  if (my && cluster) clusterTarget('closed-50', my, cluster);
  results['closed-50']!.targets.push(
    {
      name: 'closed-50 CPU', goal: `server CPU per delivered message ≤ ×${CLOSED_CPU_VS_RELAY} the relay's`,
      measured: `${chat.cpu.toFixed(1)} µs (relay ${relay.cpu.toFixed(1)}, ×${(chat.cpu / relay.cpu).toFixed(2)}; persist-relay ${persist.cpu.toFixed(1)}, ×${(chat.cpu / persist.cpu).toFixed(2)})`,
      met: chat.cpu / relay.cpu <= CLOSED_CPU_VS_RELAY,
    },
    { name: 'closed-50 p99', goal: 'p99 ≤ 10 ms', measured: `${ms(chat.p99)} ms (relay ${ms(relay.p99)} ms)`, met: chat.p99 <= 10_000 },
  );
}

async function w64(mysql?: ScratchMysql, redis?: BenchRedis): Promise<void> {
  const { relay, persist, chat, mysql: my, cluster } = await trafficScenario('w64-10', 'pairs', 10, 64, mysql, redis);
  if (my) mysqlTarget('w64-10', chat, my);
  if (my && cluster) clusterTarget('w64-10', my, cluster);
  chatW64.push(chat.rate);
  results['w64-10']!.targets.push(
    {
      name: 'w64-10 msg/s', goal: `≥ ${100 * W64_RATE_VS_RELAY} % of the raw relay`,
      measured: `${Math.round(chat.rate)} vs ${Math.round(relay.rate)} msg/s = ${((100 * chat.rate) / relay.rate).toFixed(0)} % (persist-relay ${Math.round(persist.rate)} = ${((100 * persist.rate) / relay.rate).toFixed(0)} %)`,
      met: chat.rate >= W64_RATE_VS_RELAY * relay.rate,
    },
    { name: 'w64-10 p99', goal: `p99 ≤ ×${W64_P99_VS_RELAY} the relay's`, measured: `${ms(chat.p99)} vs ${ms(relay.p99)} ms`, met: chat.p99 <= W64_P99_VS_RELAY * relay.p99 },
    { name: 'w64-10 loss', goal: '0 lost or reordered', measured: `${chat.lost} lost, ${chat.reordered} reordered, ${chat.duplicated} duplicated`, met: chat.lost + chat.reordered + chat.duplicated === 0 },
  );
}

async function fanout(): Promise<void> {
  if (chatW64.length === 0) {
    log('fanout-200: needs the 1:1 W64 rate of this run; running w64-10 first');
    await pairs('w64-10');
    if (chatW64.length === 0) throw new Error('needs the w64-10 rate of this run, and w64-10 failed');
  }
  const { relay, chat } = await trafficScenario('fanout-200', 'group', 200, 64);
  const oneToOne = chatW64[0]!;
  results['fanout-200']!.targets.push({
    name: 'fanout-200 deliveries/s', goal: '≥ 50 % of 1:1 msg/s (chat, W64, same run)',
    measured: `${Math.round(chat.rate)} deliveries/s vs ${Math.round(oneToOne)} 1:1 msg/s = ${((100 * chat.rate) / oneToOne).toFixed(0)} % (relay fan-out ${Math.round(relay.rate)}/s)`,
    met: chat.rate >= 0.5 * oneToOne,
  });
}

async function idleScenario(): Promise<void> {
  const n = IDLE_SESSIONS;
  const workers = Math.max(2, Math.ceil(n / 4000));
  const db = tempDb();
  log(`idle: seeding ${n} users`);
  const seeded = await seed(db, { users: n });
  const measure = async (server: Running, auth: 'token' | 'relay') => {
    const target: Target = { kind: server.kind, host: '127.0.0.1', port: server.port };
    const pool = sessionPool(workers, SOURCES);
    try {
      await pool.ready();
      await sleep(1000);
      const before = rssKiB(server.pid);
      log(`idle ${server.kind}: connecting ${n} sessions from ${workers} workers over ${SOURCES.length} source addresses (RSS before ${(before / 1024).toFixed(0)} MiB)`);
      const r = await pool.connect(target, seeded.accounts, auth, 64);
      if (r.failed) throw new Error(`idle ${server.kind}: ${r.failed} sessions failed: ${r.errors.join('; ')}`);
      await sleep(quick ? 2000 : 5000); // let allocation settle
      const after = rssKiB(server.pid);
      const perSession = (after - before) / n;
      log(`idle ${server.kind}: RSS ${(after / 1024).toFixed(0)} MiB, ${perSession.toFixed(1)} KiB/session`);
      return { before, after, perSession };
    } finally {
      await pool.close();
    }
  };
  const relay = await withRelay((s) => measure(s, 'relay'));
  const chat = await withChat(db, (s) => measure(s, 'token'), 'idle');
  results.idle = {
    rows: [
      { scenario: `idle-${n}`, server: 'relay', metric: { 'KiB/session': relay.perSession.toFixed(1), 'RSS MiB': (relay.after / 1024).toFixed(0), 'vs relay': '1.00' } },
      { scenario: `idle-${n}`, server: 'chat', metric: { 'KiB/session': chat.perSession.toFixed(1), 'RSS MiB': (chat.after / 1024).toFixed(0), 'vs relay': (chat.perSession / relay.perSession).toFixed(2) } },
    ],
    targets: [{
      name: 'idle KiB/session', goal: '≤ 16 KiB RSS per logged-in idle session at 15k sessions',
      measured: `${chat.perSession.toFixed(1)} KiB at ${n} sessions (relay ${relay.perSession.toFixed(1)})`,
      met: chat.perSession <= 16,
      ...(n < 15_000 ? { note: `measured at ${n} sessions, not 15k; the full run (without --quick) measures 15k` } : {}),
    }],
    raw: { relay, chat, sessions: n },
  };
}

async function loginStorm(): Promise<void> {
  const n = STORM_SESSIONS;
  const workers = Math.max(2, Math.ceil(n / 4000));
  const db = tempDb();
  log(`login-storm: seeding ${n} users with resume tokens`);
  const seeded = await seed(db, { users: n });

  // relay: the same storm of connections, for scale
  const relayStorm = await withRelay(async (relay) => {
    const pool = sessionPool(workers, SOURCES);
    try {
      await pool.ready();
      const t0 = Date.now();
      const r = await pool.connect({ kind: 'relay', host: '127.0.0.1', port: relay.port }, seeded.accounts, 'relay', 64);
      if (r.failed) throw new Error(`relay storm: ${r.failed} failed`);
      return (r.lastAt - t0) / 1000;
    } finally {
      await pool.close();
    }
  });
  log(`login-storm relay: ${n} connections in ${relayStorm.toFixed(2)} s`);

  let server = await startChat(db, profile ? { profileDir: PROFILE_DIR } : {});
  const port = server.port;
  const pool = sessionPool(workers, SOURCES);
  await pool.ready();
  let cold = 0;
  let fromSpawn = 0;
  let fromListening = 0;
  let pwRate = 0;
  let stormCpuUs = 0;
  try {
    const target: Target = { kind: 'chat', host: '127.0.0.1', port };
    log(`login-storm chat: logging in ${n} sessions by token`);
    const t0 = Date.now();
    const first = await pool.connect(target, seeded.accounts, 'token', 64);
    if (first.failed) throw new Error(`first logins: ${first.failed} failed: ${first.errors.join('; ')}`);
    cold = (first.lastAt - t0) / 1000;
    log(`login-storm chat: ${n} token logins on a running server in ${cold.toFixed(2)} s; restarting the server`);
    await server.stop();
    server = await startChat(db, { port, ...(profile ? { profileDir: PROFILE_DIR } : {}) });
    const cpu0 = cpuSeconds(server.pid);
    const r = await pool.connect(target, seeded.accounts, 'token', 64);
    stormCpuUs = ((cpuSeconds(server.pid) - cpu0) * 1e6) / n;
    if (r.failed) throw new Error(`resume storm: ${r.failed} failed: ${r.errors.join('; ')}`);
    fromSpawn = (r.lastAt - server.spawnedAt) / 1000;
    fromListening = (r.lastAt - server.listeningAt) / 1000;
    log(`login-storm chat: ${n} sessions resumed ${fromSpawn.toFixed(2)} s after the restart began (${fromListening.toFixed(2)} s after listening; server CPU ${stormCpuUs.toFixed(0)} µs per resume)`);
    const pwAccounts = seeded.accounts.slice(0, PASSWORD_LOGINS);
    const pwPool = sessionPool(2, SOURCES);
    try {
      await pwPool.ready();
      const p0 = Date.now();
      const pr = await pwPool.connect(target, pwAccounts, 'password', 8);
      if (pr.failed) throw new Error(`password logins: ${pr.failed} failed: ${pr.errors.join('; ')}`);
      pwRate = PASSWORD_LOGINS / ((pr.lastAt - p0) / 1000);
    } finally {
      await pwPool.close();
    }
    log(`login-storm chat: ${PASSWORD_LOGINS} password logins at ${pwRate.toFixed(1)}/s (scrypt N=2^15)`);
  } finally {
    await pool.close();
    await server.stop();
  }
  results['login-storm'] = {
    rows: [
      { scenario: `login-storm-${n}`, server: 'relay', metric: { 'seconds': relayStorm.toFixed(2), 'sessions/s': Math.round(n / relayStorm), 'vs relay': '1.00' } },
      { scenario: `login-storm-${n}`, server: 'chat', metric: { 'seconds': fromSpawn.toFixed(2), 'sessions/s': Math.round(n / fromListening), 'vs relay': (fromListening / relayStorm).toFixed(2), 'after listening s': fromListening.toFixed(2), 'server CPU µs/resume': stormCpuUs.toFixed(0), 'cold token logins s': cold.toFixed(2), 'password logins/s': pwRate.toFixed(1) } },
    ],
    targets: [{
      name: 'login storm', goal: '10k sessions resume by token within 5 s of a restart',
      measured: `${n} in ${fromSpawn.toFixed(2)} s from restart (${fromListening.toFixed(2)} s from listening); relay connect storm ${relayStorm.toFixed(2)} s; password logins ${pwRate.toFixed(1)}/s`,
      met: fromSpawn <= 5,
      ...(n < 10_000 ? { note: `measured at ${n} sessions, not 10k; the full run measures 10k` } : {}),
    }],
    raw: { n, relayStorm, cold, fromSpawn, fromListening, stormCpuUs, pwRate, passwordLogins: PASSWORD_LOGINS },
  };
}

async function durability(): Promise<void> {
  log('durability: appendMessages on synchronous=NORMAL (the default) and FULL, batches of 1 and 64');
  const rows = await measureDurability(() => tempDb(), quick ? 2000 : 10_000, quick ? 3000 : 10_000);
  const normal = (batch: number) => rows.find((r) => r.synchronous === 'NORMAL' && r.batch === batch)!;
  results.durability = {
    rows: rows.map((r) => ({
      scenario: `durability-batch-${r.batch}`, server: `store ${r.synchronous}`,
      metric: {
        'wall µs/batch': r.usPerBatch.toFixed(0), 'wall µs/msg': r.wallUsPerMsg.toFixed(1), 'CPU µs/msg': r.cpuUsPerMsg.toFixed(1),
        'vs NORMAL (wall)': (r.wallUsPerMsg / normal(r.batch).wallUsPerMsg).toFixed(2),
      },
    })),
    targets: [{
      name: 'durability', goal: 'say what an ack promises; measure a stricter setting',
      measured: `ack = committed to the SQLite WAL, synchronous=NORMAL (fsync at checkpoints, not per commit). FULL costs ×${(rows.find((r) => r.synchronous === 'FULL' && r.batch === 1)!.wallUsPerMsg / normal(1).wallUsPerMsg).toFixed(2)} wall per 1-message batch, ×${(rows.find((r) => r.synchronous === 'FULL' && r.batch === 64)!.wallUsPerMsg / normal(64).wallUsPerMsg).toFixed(2)} per 64-message batch`,
      met: true,
    }],
    raw: rows,
  };
}

function printTable(rows: Row[]): void {
  const cols = ['scenario', 'server', ...new Set(rows.flatMap((r) => Object.keys(r.metric)))];
  const cells = rows.map((r) => cols.map((c) => (c === 'scenario' ? r.scenario : c === 'server' ? r.server : String(r.metric[c] ?? ''))));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (xs: string[]) => '| ' + xs.map((x, i) => (i < 2 ? x.padEnd(width[i]!) : x.padStart(width[i]!))).join(' | ') + ' |';
  console.log(line(cols));
  console.log('|' + width.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const c of cells) console.log(line(c));
}

const done = new Set<Scenario>();
const MYSQL_GOAL = 'same 1:1 scenarios on MySQL: closed-50 ≥ 0.4× and w64-10 ≥ 0.6× SQLite\'s msg/s, mariadbd CPU and batch sizes beside';

/**
 * closed-50 / w64-10 and their *-mysql twins: one set of repetitions (relay, chat on SQLite, chat
 * on MySQL in turn), so the MySQL figures have the SQLite ones of the same minutes beside them.
 * A *-mysql scenario alone still runs its SQLite twin: the ratio needs it.
 */
async function pairs(base: PairBase): Promise<void> {
  const twin = MYSQL_OF[base];
  const clusterTwin = CLUSTER_OF[base];
  if (done.has(base)) return;
  done.add(base);
  done.add(twin);
  done.add(clusterTwin);
  const wantCluster = scenarios.includes(clusterTwin);
  // The cluster runs on the MySQL scenario's database and accounts, and is compared with its one node.
  const wantMysql = scenarios.includes(twin) || wantCluster;
  const unavailable = (scenario: Scenario, group: string, goal: string, why: string) => {
    results[scenario] = { rows: [], targets: [{ name: group, group, goal, status: 'open', met: false, measured: `${base}: not measured: ${why}` }], raw: { error: why } };
    if (explicit) {
      failures.push(`${scenario}: ${why}`);
      console.error(`bench: ${scenario} FAILED: ${why}`);
    } else {
      log(`${scenario}: skipped (it is in the default list, not named): ${why}`);
    }
  };
  let mysql: ScratchMysql | undefined;
  if (wantMysql) {
    try {
      mysql = await scratchMysql();
      log(`${twin}: scratch database ${mysql.name} on ${redactMysqlUrl(MYSQL_BASE)}, migrated`);
    } catch (err) {
      const why = (err as Error).message;
      if (scenarios.includes(twin)) unavailable(twin, 'MySQL', MYSQL_GOAL, why);
      if (wantCluster) unavailable(clusterTwin, 'cluster', CLUSTER_GOAL, why);
      if (explicit && !scenarios.includes(base)) return; // only MySQL or cluster runs were asked for
    }
  }
  let redis: BenchRedis | undefined;
  if (wantCluster && mysql) {
    try {
      redis = await benchRedis();
      log(`${clusterTwin}: Redis at ${redis.url}, channel prefix ${redis.prefix}${redis.serverPid ? ` (redis-server pid ${redis.serverPid})` : '; redis-server process not found, its CPU is not measured'}`);
    } catch (err) {
      unavailable(clusterTwin, 'cluster', CLUSTER_GOAL, (err as Error).message);
    }
  }
  try {
    await (base === 'closed-50' ? closed50(mysql, redis) : w64(mysql, redis));
  } finally {
    if (mysql) {
      try {
        await mysql.drop();
        log(`${twin}: dropped ${mysql.name}`);
      } catch (err) {
        log(`${twin}: could not drop ${mysql.name} now (${(err as Error).message}); trying again at exit`);
      }
    }
  }
}

async function main(): Promise<void> {
  const machine = machineInfo();
  log(`bench: ${scenarios.join(', ')}${quick ? ' (quick)' : ''}, ${reps} run(s) each; ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
  if (profile) log(`bench: chat serve writes V8 CPU profiles to ${PROFILE_DIR} when it exits`);
  log(`bench: traffic as lib/client sends it: ${clientIds ? 'a client_msg_id (UUIDv7) on every send' : 'NO client_msg_id (--no-client-ids)'}, ${acks ? 'receivers ack once per conversation per tick' : 'receivers send NO ack (--no-acks)'}`);
  const run: Record<Scenario, () => Promise<void>> = {
    'closed-50': () => pairs('closed-50'), 'w64-10': () => pairs('w64-10'), 'fanout-200': fanout, idle: idleScenario,
    'login-storm': loginStorm, durability, 'closed-50-mysql': () => pairs('closed-50'), 'w64-10-mysql': () => pairs('w64-10'),
    'closed-50-cluster': () => pairs('closed-50'), 'w64-10-cluster': () => pairs('w64-10'),
  };
  for (const s of scenarios) {
    if (done.has(s)) continue; // run together with its SQLite or MySQL twin, or for fan-out
    try {
      await run[s]();
    } catch (err) {
      failures.push(`${s}: ${(err as Error).message}`);
      console.error(`bench: ${s} failed: ${(err as Error).stack}`);
    }
    done.add(s);
  }
  const date = new Date().toISOString().slice(0, 10);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  for (const [name, r] of Object.entries(results)) {
    writeFileSync(join(dir, `${date}-${name}.json`), JSON.stringify({ scenario: name, date: new Date().toISOString(), quick, reps, machine, textBytes: TEXT_BYTES, clientIds, acks, ...r }, null, 2) + '\n');
  }
  console.log('');
  const traffics = Object.values(results).flatMap((r) => r.rows).filter((r) => 'msg/s' in r.metric);
  const others = Object.values(results).flatMap((r) => r.rows).filter((r) => !('msg/s' in r.metric));
  if (traffics.length) printTable(traffics);
  for (const r of others) console.log(`${r.scenario} ${r.server}: ${Object.entries(r.metric).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log('\ntargets:');
  const targets = Object.values(results).flatMap((r) => r.targets);
  const printed = new Set<string>();
  for (const t of targets) {
    // a group's targets (the MySQL scenarios) print as one line
    const same = t.group ? targets.filter((u) => u.group === t.group) : [t];
    if (t.group && printed.has(t.group)) continue;
    if (t.group) printed.add(t.group);
    const status = t.status
      ? same.every((u) => u.status === 'reported') ? 'REPORTED' : 'OPEN'
      : t.note ? (t.met ? 'met at this size only' : 'NOT MET') : same.every((u) => u.met) ? 'MET' : 'NOT MET';
    console.log(`  ${status.padEnd(7)} ${t.name}: ${t.goal}; measured ${same.map((u) => u.measured).join('; ')}${t.note ? ` [${t.note}]` : ''}`);
  }
  console.log(`\nresults in bench/results/${date}-<scenario>.json; ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  if (correctnessFailures.length || failures.length) {
    console.error(`\nBENCH FAILED:\n  ${[...correctnessFailures, ...failures].join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().finally(() => {
  killAll();
}).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
