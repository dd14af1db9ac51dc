import type { ChartProps } from '../components/chart.js';
import { percent } from '../format.js';
import type { TelemetryLoss } from '../view-model/types.js';

/**
 * Telemetry coverage on the Services page (`GET /api/telemetry-loss`): per function, the share
 * of its invocations whose telemetry arrived, of those its environments numbered — a cell of the
 * Functions table and a chart over time. A gap still inside the grace period is not lost yet.
 */
type LossFunction = TelemetryLoss['functions'][number];

/** A function's coverage cell: the share that reported, the number lost; pending and dropped in its title. */
export function CoverageCell({ of: f }: { of: LossFunction | undefined }) {
  if (!f || f.coveragePercent === null) return <td class="num muted">—</td>;
  const lost = f.missing ? `${f.missing} of ${f.seen + f.missing} invocations lost` : 'no invocation lost';
  const pending = f.pending ? `; ${f.pending} not yet known (inside the grace period)` : '';
  const dropped =
    f.droppedSpans + f.droppedLogRecords
      ? `; the SDK dropped ${f.droppedSpans} spans and ${f.droppedLogRecords} log records`
      : '';
  return (
    <td class={f.missing ? 'num error' : 'num'} title={`${lost}${pending}${dropped}`}>
      {percent(f.coveragePercent)}
      {f.missing > 0 && <span class="muted"> ({f.missing} lost)</span>}
    </td>
  );
}

/**
 * The coverage chart: one line per function, its coverage in each bucket (null where the bucket
 * had no numbered invocation), on the window asked for. `colors` in function order.
 */
export function coverageChart(loss: TelemetryLoss | undefined, colors: readonly string[]): ChartProps {
  const fns = loss?.functions ?? [];
  const xs = [...new Set(fns.flatMap((f) => f.points.map((p) => p.t)))].sort((a, b) => a - b);
  return {
    title: 'Telemetry coverage',
    unit: '%',
    xRange: loss ? [loss.start / 1000, loss.end / 1000] : undefined,
    x: xs.map((t) => t / 1000),
    series: fns.map((f, i) => {
      const at = new Map(f.points.map((p) => [p.t, p]));
      return {
        label: f.function,
        color: colors[i % colors.length]!,
        values: xs.map((t) => {
          const p = at.get(t);
          return p && p.seen + p.missing > 0 ? (p.seen / (p.seen + p.missing)) * 100 : null;
        }),
      };
    }),
  };
}
