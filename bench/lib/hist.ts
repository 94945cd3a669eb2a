// A mergeable latency histogram: 1 µs buckets below 1 ms, then 1 % wide buckets. Workers send
// theirs to the runner, which adds them up, so percentiles are over every sample of the run.
const LINEAR = 1000;
const STEP = Math.log(1.01);

export type Hist = Record<number, number>;

export function bucketOf(us: number): number {
  if (us < LINEAR) return Math.max(0, Math.floor(us));
  return LINEAR + Math.floor(Math.log(us / LINEAR) / STEP);
}

function valueOf(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  return LINEAR * Math.exp((bucket - LINEAR + 1) * STEP); // upper edge: never flatters
}

export function record(h: Hist, us: number): void {
  const b = bucketOf(us);
  h[b] = (h[b] ?? 0) + 1;
}

export function merge(into: Hist, from: Hist): Hist {
  for (const [k, v] of Object.entries(from)) into[Number(k)] = (into[Number(k)] ?? 0) + v;
  return into;
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Latencies in µs. */
export function percentiles(h: Hist, maxUs: number): Percentiles {
  const keys = Object.keys(h).map(Number).sort((a, b) => a - b);
  let count = 0;
  for (const k of keys) count += h[k]!;
  const at = (q: number) => {
    const target = Math.ceil(count * q);
    let seen = 0;
    for (const k of keys) {
      seen += h[k]!;
      if (seen >= target) return valueOf(k);
    }
    return 0;
  };
  return { count, p50: count ? at(0.5) : 0, p99: count ? at(0.99) : 0, max: maxUs };
}
