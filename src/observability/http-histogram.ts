import type { Metric, Registry } from 'prom-client';

export type HttpLabels = { method: string; route: string; status: number };

/** One series of the histogram: counts per bucket (not yet cumulative), their sum and count. */
export class HttpSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<HttpLabels>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i += 1;
    if (i < bounds.length) this.counts[i] += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * The request histogram, observed once per request: prom-client's Histogram validates and
 * hashes the labels on every observe (~1 µs a request, profiled), here a request adds to a
 * series its route resolved once. Scrapes read it through prom-client's registry like any
 * other metric, in the same text as a prom-client Histogram.
 */
export class HttpHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HttpSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // Not one of prom-client's classes, but what its registry reads of one: name, get(), reset().
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these labels (created on first use); callers keep it. */
  labels(labels: HttpLabels): HttpSeries {
    const key = `${labels.method} ${labels.status} ${labels.route}`;
    let found = this.series.get(key);
    if (!found) {
      found = new HttpSeries({ ...labels }, this.bounds);
      this.series.set(key, found);
    }
    return found;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Sample[];
  }> {
    const values: Sample[] = [];
    for (const series of this.series.values()) {
      let total = 0;
      this.bounds.forEach((le, i) => {
        total += series.counts[i];
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { le, ...series.labels },
          value: total,
        });
      });
      const labels = series.labels;
      values.push(
        {
          metricName: `${this.name}_bucket`,
          labels: { le: '+Inf', ...labels },
          value: series.count,
        },
        { metricName: `${this.name}_sum`, labels: { ...labels }, value: series.sum },
        { metricName: `${this.name}_count`, labels: { ...labels }, value: series.count },
      );
    }
    const { name, help, type, aggregator } = this;
    return Promise.resolve({ name, help, type, aggregator, values });
  }

  /** Back to zero; the series handed out stay the ones counted. */
  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
