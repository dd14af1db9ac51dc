import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/**
 * A time-series chart (uPlot: canvas, ~50 KB, fast with many points). `x` is epoch
 * seconds; each series is one line. `onPick` gets the x value of a clicked point.
 */
export interface ChartProps {
  title: string;
  x: number[];
  series: { label: string; values: (number | null)[]; color: string; points?: boolean }[];
  unit?: string;
  /** How a value reads on the axis and in the legend; default: up to 2 decimals and `unit`. */
  format?: (v: number) => string;
  /** The x range to show (epoch seconds), e.g. the time range asked for; default: the data's. */
  xRange?: [number, number];
  height?: number;
  onPick?: (index: number) => void;
}

/** A value with no value beside it: a line series draws nothing there unless it shows points. */
const hasIsolated = (v: (number | null)[]) =>
  v.some((y, i) => y !== null && (v[i - 1] ?? null) === null && (v[i + 1] ?? null) === null);

const pad = (n: number) => String(n).padStart(2, '0');

/** An x tick (epoch seconds): `14:05`, or `11-27 14:05` where the day changes and the ticks span days. */
function tickTime(t: number, ticks: number[], i: number): string {
  const d = new Date(t * 1000);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const spanDays = ticks.length > 1 && ticks[ticks.length - 1]! - ticks[0]! >= 86_400;
  const prev = i > 0 ? new Date(ticks[i - 1]! * 1000) : undefined;
  const newDay = !prev || prev.getDate() !== d.getDate();
  return spanDays && newDay ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}` : clock;
}

export function Chart({ title, x, series, unit = '', format, xRange, height = 180, onPick }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const el = ref.current;
    const text = format ?? ((v: number) => `${Number(v.toFixed(2))}${unit}`);
    const opts: uPlot.Options = {
      title,
      width: Math.max(280, el.clientWidth || 600),
      height,
      ...(xRange ? { scales: { x: { time: true, range: (): uPlot.Range.MinMax => xRange } } } : {}),
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.points ? 0 : 1.5,
          // scatter series always show points; line series when a value stands alone (no line
          // reaches it), else uPlot shows them when the data is sparse
          points:
            s.points || hasIsolated(s.values)
              ? { show: true, size: s.points ? 6 : 5, fill: s.color }
              : { size: 5, fill: s.color },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : text(v)),
        })),
      ],
      // times as the tables print them (24-hour clock; the date too when the range spans days)
      axes: [
        { values: (_u: uPlot, ticks: number[]) => ticks.map((t, i) => tickTime(t, ticks, i)) },
        { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => text(t)), size: 70 },
      ],
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const click = () => {
      const i = plot.cursor.idx;
      if (onPick && i !== null && i !== undefined) onPick(i);
    };
    plot.over.addEventListener('click', click);
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [title, x, series, unit, format, xRange, height, onPick]);
  return <div class="chart" ref={ref} data-chart={title} />;
}
