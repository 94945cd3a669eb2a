// Messages per group commit, read from the server's own Prometheus histogram
// `chat_store_batch_size` (lib/server/metrics.ts) on its `--metrics-port` endpoint. The runner
// scrapes it right before and right after the measured phase; the difference is that phase's
// batches (warm-up excluded). Bucket bounds are the server's: 1, 2, 4, 8, 16, 32, 64, 128, …
import { request } from 'node:http';

/** Cumulative bucket counts by upper bound (`+Inf` as Infinity), with sum and count. */
export interface BatchHist {
  buckets: Record<string, number>;
  sum: number;
  count: number;
}

export interface BatchStats {
  batches: number;
  messages: number;
  /** messages per batch: sum / count */
  mean: number;
  /** share of batches (0–1) by size, from the bucket bounds the server uses */
  share: { one: number; upTo8: number; upTo64: number; over64: number };
}

const METRIC = 'chat_store_batch_size';

export function scrape(port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET /metrics: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function parseBatchHist(text: string): BatchHist | undefined {
  const hist: BatchHist = { buckets: {}, sum: 0, count: 0 };
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(METRIC)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${METRIC}_bucket`)) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le !== undefined) hist.buckets[le] = (hist.buckets[le] ?? 0) + value;
      seen = true;
    } else if (line.startsWith(`${METRIC}_sum`)) {
      hist.sum += value;
      seen = true;
    } else if (line.startsWith(`${METRIC}_count`)) {
      hist.count += value;
      seen = true;
    }
  }
  return seen ? hist : undefined;
}

export async function scrapeBatches(port: number): Promise<BatchHist | undefined> {
  return parseBatchHist(await scrape(port));
}

/** after − before; the histogram is cumulative since the server started. */
export function diffHist(after: BatchHist, before: BatchHist | undefined): BatchHist {
  const buckets: Record<string, number> = {};
  for (const [le, n] of Object.entries(after.buckets)) buckets[le] = n - (before?.buckets[le] ?? 0);
  return { buckets, sum: after.sum - (before?.sum ?? 0), count: after.count - (before?.count ?? 0) };
}

/** Adds histograms (repetitions of one scenario pooled). */
export function addHists(hists: BatchHist[]): BatchHist | undefined {
  if (hists.length === 0) return undefined;
  const out: BatchHist = { buckets: {}, sum: 0, count: 0 };
  for (const h of hists) {
    for (const [le, n] of Object.entries(h.buckets)) out.buckets[le] = (out.buckets[le] ?? 0) + n;
    out.sum += h.sum;
    out.count += h.count;
  }
  return out;
}

export function batchStats(h: BatchHist): BatchStats {
  const le = (bound: string) => h.buckets[bound] ?? 0;
  const n = h.count || 1;
  return {
    batches: h.count,
    messages: h.sum,
    mean: h.count ? h.sum / h.count : 0,
    share: {
      one: le('1') / n,
      upTo8: (le('8') - le('1')) / n,
      upTo64: (le('64') - le('8')) / n,
      over64: (h.count - le('64')) / n,
    },
  };
}

/** "41/55/4/0": percent of batches of 1, 2–8, 9–64 and more than 64 messages. */
export function formatShares(s: BatchStats): string {
  const p = (x: number) => (100 * x).toFixed(0);
  return `${p(s.share.one)}/${p(s.share.upTo8)}/${p(s.share.upTo64)}/${p(s.share.over64)}`;
}
