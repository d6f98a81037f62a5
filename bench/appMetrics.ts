/**
 * The app's Prometheus endpoint as the load benchmark reads it: `GET /metrics` with
 * `Authorization: Bearer $METRICS_TOKEN`, parsed from the text exposition format. Samples of one name
 * are summed over their labels, and over several processes when more than one is scraped; a
 * histogram's buckets are kept by their `le`.
 */

export const METRIC = {
  statements: 'teampush_db_statements_total',
  roundTrips: 'teampush_db_round_trips_total',
  poolWait: 'teampush_db_pool_wait_seconds',
  poolWaiting: 'teampush_db_pool_waiting',
} as const;

export interface MetricsScrape {
  /** Sum of each sample name over its labels (e.g. `teampush_db_pool_wait_seconds_sum`). */
  values: Map<string, number>;
  /** `<histogram>_bucket` counts by `le`, summed over the other labels. */
  buckets: Map<string, Map<number, number>>;
}

export type ScrapeResult = { ok: true; scrape: MetricsScrape } | { ok: false; reason: string };

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

export function parsePrometheusText(text: string): MetricsScrape {
  const values = new Map<string, number>();
  const buckets = new Map<string, Map<number, number>>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line.trim());
    if (!sample) continue;
    const [, name, labels = '', raw] = sample as unknown as [string, string, string | undefined, string];
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    values.set(name, (values.get(name) ?? 0) + value);
    if (name.endsWith('_bucket')) {
      const le = /le="([^"]+)"/.exec(labels)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      const histogram = buckets.get(name) ?? new Map<number, number>();
      histogram.set(bound, (histogram.get(bound) ?? 0) + value);
      buckets.set(name, histogram);
    }
  }
  return { values, buckets };
}

/** Scrapes every process and sums them; the first process that has no usable endpoint makes the whole scrape unavailable. */
export async function scrapeMetrics(appUrls: readonly string[], token: string): Promise<ScrapeResult> {
  const texts: string[] = [];
  for (const url of appUrls) {
    let response: Response;
    try {
      response = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    } catch (error) {
      return { ok: false, reason: `GET /metrics failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    const text = await response.text();
    if (!response.ok) return { ok: false, reason: `GET /metrics answered ${response.status}` };
    texts.push(text);
  }
  return { ok: true, scrape: parsePrometheusText(texts.join('\n')) };
}

/** after − before of one summed sample, or NaN when either scrape lacks it. */
export function delta(before: MetricsScrape, after: MetricsScrape, name: string): number {
  const a = before.values.get(name);
  const b = after.values.get(name);
  return a === undefined || b === undefined ? Number.NaN : b - a;
}

/**
 * The smallest bucket bound under which `p` % of the observations made between two scrapes fall
 * (seconds), from the histogram's cumulative buckets; NaN without buckets or observations.
 */
export function histogramBound(before: MetricsScrape, after: MetricsScrape, histogram: string, p: number): number {
  const earlier = before.buckets.get(`${histogram}_bucket`);
  const later = after.buckets.get(`${histogram}_bucket`);
  if (!earlier || !later) return Number.NaN;
  const bounds = [...later.keys()].sort((x, y) => x - y);
  const counts = bounds.map((bound) => (later.get(bound) ?? 0) - (earlier.get(bound) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return Number.NaN;
  const index = counts.findIndex((count) => count >= (p / 100) * total);
  return bounds[index] ?? Number.NaN;
}
