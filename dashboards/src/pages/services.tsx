import { useMemo } from 'preact/hooks';
import { Chart } from '../components/chart.js';
import { rangeOf, rangeQuery, TimeRange } from '../components/time-range.js';
import { useApi } from '../components/use-api.js';
import { ms, percent, usd } from '../format.js';
import { href, navigate } from '../router.js';
import type { Metrics, MetricsPoint, TelemetryLoss } from '../view-model/types.js';
import { CoverageCell, coverageChart } from './coverage.js';

/**
 * Services: per service and per function, over one shared time range — rate, error %,
 * p50/p95/p99, cold-start rate, init p95 and cost — as time-series charts, with a table
 * of totals whose rows open the matching trace search.
 */

const COLORS = ['#3a7bd5', '#d64545', '#2e9e6b', '#b36ae2', '#e39b28', '#1c9ab5', '#7a7a7a', '#c2527a'];

/**
 * Align every group's points on one x axis (bucket start, seconds), missing buckets as null;
 * `xRange` is the window asked for, so the axis spans it even where no bucket has data.
 */
export function align(m: Metrics | undefined, pick: (p: MetricsPoint) => number | null | undefined) {
  if (!m) return { x: [] as number[], series: [] as { label: string; values: (number | null)[]; color: string }[] };
  const xs = [...new Set(m.series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  const xRange: [number, number] | undefined =
    m.start !== undefined && m.end !== undefined ? [m.start / 1000, m.end / 1000] : undefined;
  return {
    xRange,
    x: xs.map((t) => t / 1000),
    series: m.series.map((s, i) => {
      const at = new Map(s.points.map((p) => [p.t, p]));
      return {
        label: s.group,
        color: COLORS[i % COLORS.length]!,
        values: xs.map((t) => (at.has(t) ? (pick(at.get(t)!) ?? null) : null)),
      };
    }),
  };
}

export function ServicesPage({ params }: { params: URLSearchParams }) {
  const range = rangeOf(params);
  const services = useApi<Metrics>('metrics', `groupBy=service&${rangeQuery(params)}`);
  const functions = useApi<Metrics>('metrics', `groupBy=function&${rangeQuery(params)}`);
  // invocations whose telemetry arrived, of those an environment numbered (see docs/api.md)
  const loss = useApi<TelemetryLoss>('telemetry-loss', rangeQuery(params));
  const coverage = new Map((loss.data?.functions ?? []).map((f) => [f.function, f]));
  const lossChart = useMemo(() => coverageChart(loss.data, COLORS), [loss.data]);
  const charts = useMemo(
    () => [
      { title: 'Requests per second', unit: '/s', ...align(services.data, (p) => p.ratePerSecond) },
      { title: 'Errors', unit: '%', ...align(services.data, (p) => p.errorPercent) },
      { title: 'p50 duration', unit: ' ms', ...align(services.data, (p) => p.p50Ms) },
      { title: 'p95 duration', unit: ' ms', ...align(services.data, (p) => p.p95Ms) },
      { title: 'p99 duration', unit: ' ms', ...align(services.data, (p) => p.p99Ms) },
    ],
    [services.data],
  );
  const fnCharts = useMemo(
    () => [
      { title: 'Cold starts', unit: '%', ...align(functions.data, (p) => p.coldStartPercent) },
      { title: 'Init duration p95', unit: ' ms', ...align(functions.data, (p) => p.initP95Ms) },
      { title: 'Invocation p95', unit: ' ms', ...align(functions.data, (p) => p.p95Ms) },
      {
        title: 'Cost per million invocations',
        format: usd,
        ...align(functions.data, (p) =>
          p.count && typeof p.costUsd === 'number' ? (p.costUsd / p.count) * 1e6 : null,
        ),
      },
    ],
    [functions.data],
  );
  const totals = (m: Metrics | undefined) =>
    (m?.series ?? []).map((s) => {
      const count = s.points.reduce((n, p) => n + p.count, 0);
      const errors = s.points.reduce((n, p) => n + (p.errorPercent / 100) * p.count, 0);
      const worst = Math.max(...s.points.map((p) => p.p95Ms));
      const cold = s.points.reduce((n, p) => n + ((p.coldStartPercent ?? 0) / 100) * p.count, 0);
      const cost = s.points.reduce((n, p) => n + (p.costUsd ?? 0), 0);
      return {
        group: s.group,
        count,
        errorPercent: count ? (errors / count) * 100 : 0,
        worstP95: worst,
        coldPercent: count ? (cold / count) * 100 : 0,
        cost,
      };
    });

  const error = services.error ?? functions.error;
  return (
    <section class="page">
      <div class="filters">
        <TimeRange params={params} onChange={(r) => navigate(href('services', { ...r }))} />
        {services.data && <span class="muted">buckets of {services.data.stepSeconds}s</span>}
      </div>
      {(services.loading || functions.loading) && <p class="loading">Loading…</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h2>Services</h2>
      <table class="results" aria-label="Services">
        <thead>
          <tr>
            <th>Service</th>
            <th class="num">Requests</th>
            <th class="num">Errors</th>
            <th class="num">Worst p95</th>
          </tr>
        </thead>
        <tbody>
          {totals(services.data).map((t) => (
            <tr key={t.group}>
              <td>
                <a href={href('traces', { service: t.group, ...range })}>{t.group}</a>
              </td>
              <td class="num">{t.count}</td>
              <td class="num">{percent(t.errorPercent)}</td>
              <td class="num">{ms(t.worstP95)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="charts">
        {services.data && services.data.series.length > 0 && charts.map((c) => <Chart key={c.title} {...c} />)}
      </div>
      <h2>Functions</h2>
      <table class="results" aria-label="Functions">
        <thead>
          <tr>
            <th>Function</th>
            <th class="num">Invocations</th>
            <th class="num">Errors</th>
            <th class="num">Cold starts</th>
            <th class="num">Worst p95</th>
            <th class="num">Cost</th>
            <th class="num">Per million invocations</th>
            <th class="num">Telemetry coverage</th>
          </tr>
        </thead>
        <tbody>
          {totals(functions.data).map((t) => (
            <tr key={t.group}>
              <td>
                <a href={href('traces', { function: t.group, ...range })}>{t.group}</a>
              </td>
              <td class="num">{t.count}</td>
              <td class="num">{percent(t.errorPercent)}</td>
              <td class="num">{percent(t.coldPercent)}</td>
              <td class="num">{ms(t.worstP95)}</td>
              <td class="num" title={usd(t.cost)}>
                {t.cost > 0 && t.cost < 0.01 ? 'under $0.01' : usd(t.cost)}
              </td>
              <td class="num">{t.count ? usd((t.cost / t.count) * 1e6) : '—'}</td>
              <CoverageCell of={coverage.get(t.group)} />
            </tr>
          ))}
        </tbody>
      </table>
      <div class="charts">
        {functions.data && functions.data.series.length > 0 && fnCharts.map((c) => <Chart key={c.title} {...c} />)}
        {lossChart.series.length > 0 && <Chart {...lossChart} />}
      </div>
    </section>
  );
}
