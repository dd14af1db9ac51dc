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

/** A value with no value beside it: a line series draws nothing there but a dot. */
const hasIsolated = (v: (number | null)[]) =>
  v.some((y, i) => y !== null && (v[i - 1] ?? null) === null && (v[i + 1] ?? null) === null);

// uPlot's time-axis table with a 24-hour clock and ISO-ordered dates, as the tables print
// times: each row is the smallest tick step it serves, its tick format, then what is added
// below the tick where the year, day or minute rolls over (uPlot picks the row by the span).
const m = 60;
const h = 3600;
const d = 86400;
const TIME_TICKS: uPlot.Axis.TimeValuesConfig = [
  [d * 365, '{YYYY}', null, null, null, null, null, null, 1],
  [d * 28, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [d, '{MM}-{DD}', '\n{YYYY}', null, null, null, null, null, 1],
  [h, '{HH}:00', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [m, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [1, ':{ss}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
  [0.001, ':{ss}.{fff}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
];

/** A number as the axis and legend print it: small values keep three significant digits (0.0042/s, not 0/s). */
const plain = (v: number) => (v !== 0 && Math.abs(v) < 1 ? Number(v.toPrecision(3)) : Number(v.toFixed(2)));

/** The axes' font, set on the axes and used to measure their labels. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
let measurer: CanvasRenderingContext2D | null | undefined;

/**
 * Width for the y axis: its longest label as the canvas measures it in the axis's font, plus
 * the tick and the gaps uPlot puts beside it — so no label (`100.00%`, `0.0042/s`) is clipped.
 */
const axisWidth = (_u: uPlot, values: string[] | null) => {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (measurer) measurer.font = AXIS_FONT;
  const widest = Math.max(
    0,
    ...(values ?? []).map((v) => (measurer ? measurer.measureText(String(v)).width : String(v).length * 7.5)),
  );
  return Math.max(40, Math.ceil(widest) + 10 + 5 + 12);
};

/**
 * Sparse data — a value with no value beside it, which a line cannot reach — is drawn as
 * bars (a lone dot is easy to miss and reads as nothing); dense data as lines.
 */
const bars = uPlot.paths.bars!({ size: [0.6, 36] });

export function Chart({ title, x, series, unit = '', format, xRange, height = 180, onPick }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const el = ref.current;
    const text = format ?? ((v: number) => `${plain(v)}${unit}`);
    const sparse = series.some((s) => !s.points && hasIsolated(s.values));
    el.dataset.draw = series.every((s) => s.points) ? 'points' : sparse ? 'bars' : 'lines';
    const opts: uPlot.Options = {
      title,
      width: Math.max(280, el.clientWidth || 600),
      height,
      scales: {
        ...(xRange ? { x: { time: true, range: (): uPlot.Range.MinMax => xRange } } : {}),
        // every series here is a count, a rate, a percentage, a duration or money: from 0 up,
        // with room above the highest value (and a unit of room when every value is 0)
        y: { range: (_u, min, max): uPlot.Range.MinMax => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
      },
      series: [
        {},
        ...series.map((s) =>
          s.points
            ? {
                label: s.label,
                stroke: s.color,
                width: 0,
                points: { show: true, size: 6, fill: s.color },
                value: (_u: uPlot, v: number | null) => (v === null ? '—' : text(v)),
              }
            : {
                label: s.label,
                stroke: s.color,
                width: sparse ? 1 : 1.5,
                ...(sparse ? { paths: bars, fill: `${s.color}99`, points: { show: false } } : {}),
                value: (_u: uPlot, v: number | null) => (v === null ? '—' : text(v)),
              },
        ),
      ],
      axes: [
        { values: TIME_TICKS, font: AXIS_FONT },
        { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => text(t)), size: axisWidth, font: AXIS_FONT },
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
