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
  height?: number;
  onPick?: (index: number) => void;
}

export function Chart({ title, x, series, unit = '', height = 180, onPick }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const el = ref.current;
    const opts: uPlot.Options = {
      title,
      width: Math.max(320, el.clientWidth || 600),
      height,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.points ? 0 : 1.5,
          // scatter series always show points; line series let uPlot show them when data is sparse
          points: s.points ? { show: true, size: 6, fill: s.color } : { size: 5, fill: s.color },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Number(v.toFixed(2))}${unit}`),
        })),
      ],
      axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t}${unit}`), size: 60 }],
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const click = () => {
      const i = plot.cursor.idx;
      if (onPick && i !== null && i !== undefined) onPick(i);
    };
    plot.over.addEventListener('click', click);
    const resize = () => plot.setSize({ width: Math.max(320, el.clientWidth), height });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [title, x, series, unit, height, onPick]);
  return <div class="chart" ref={ref} data-chart={title} />;
}
