// Thin wrapper over uPlot: themed axes with units, responsive width, cheap setData on animation frames.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function withAlpha(color, alpha) {
  // colors are #rrggbb
  const n = parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const NICE = [1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];

/** Tick positions at round numbers of the largest binary unit below the maximum (256 MiB, 512 MiB, ...). */
function binarySplits(u, axisIdx, min, max) {
  const span = Math.max(max, 1);
  let unit = 1;
  while (span / unit >= 1024) unit *= 1024;
  const rough = span / unit / 4;
  const step = (NICE.find((n) => n >= rough) ?? 1000) * unit;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) out.push(v);
  return out;
}

/**
 * @param {HTMLElement} el host element (its width is followed)
 * @param {{ series: {label:string,color:string,fill?:boolean,dash?:number[],width?:number}[],
 *           value: (v:number)=>string, axis: (v:number)=>string, height?: number, yMin?: number,
 *           yMaxAtLeast?: number | (() => number), timeFormat?: string, xRange?: () => [number, number],
 *           plugins?: object[], onZoom?: (from: number, to: number) => void, card?: HTMLElement }} o
 *   xRange: a fixed time window in seconds; without it the x axis spans the data, which for one point is years.
 *   yMaxAtLeast: a function when it follows data (a limit line must stay in view).
 *   onZoom: dragging across the plot selects a time span and calls it with the span in seconds.
 *   card: receives data-x-min, data-x-max and data-points after each draw (the drawn window and data).
 */
export function createChart(el, o) {
  const muted = css('--muted') || '#8b949e';
  const grid = css('--grid') || '#30363d';
  const font = '11px ' + (css('--font') || 'system-ui, sans-serif');
  const axisStyle = { stroke: muted, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 4 } };
  const opts = {
    width: Math.max(200, el.clientWidth || 400),
    height: o.height ?? 180,
    cursor: { drag: { x: !!o.onZoom, y: false, setScale: false }, points: { size: 5 } },
    plugins: o.plugins ?? [],
    legend: { live: true },
    scales: {
      x: o.xRange ? { time: true, range: () => o.xRange() } : { time: true },
      y: {
        range: (u, min, max) => {
          const lo = o.yMin ?? Math.min(0, min ?? 0);
          const floor = typeof o.yMaxAtLeast === 'function' ? o.yMaxAtLeast() : o.yMaxAtLeast;
          let hi = Math.max(max ?? 0, floor ?? 0);
          if (!(hi > lo)) hi = lo + 1;
          return [lo, hi * 1.08];
        },
      },
    },
    axes: [
      { ...axisStyle, space: 70 },
      {
        ...axisStyle,
        space: 28,
        splits: o.binary ? binarySplits : undefined,
        values: (u, vals) => vals.map((v) => o.axis(v)),
        // wide enough for the longest label ("1023 MiB/s")
        size: (u, values) => 14 + 6.5 * Math.max(3, ...(values ?? []).map((v) => String(v).length)),
      },
    ],
    series: [
      { value: (u, ts) => (ts == null ? '–' : new Date(ts * 1000).toLocaleTimeString()) },
      ...o.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.width ?? 1.5,
        dash: s.dash,
        fill: s.fill ? withAlpha(s.color, 0.14) : undefined,
        // Over a fixed window a lone minute has no line to draw: let uPlot show points while they are sparse.
        points: o.xRange ? undefined : { show: false },
        value: (u, v) => (v == null ? '–' : o.value(v)),
      })),
    ],
  };
  const empty = [[], ...o.series.map(() => [])];
  // Without a cursor on the chart the legend shows the latest values.
  const showLatest = (u) => {
    if (u.cursor.idx == null && u.data[0].length) u.setLegend({ idx: u.data[0].length - 1 }, false);
  };
  const hooks = { setData: [showLatest], setCursor: [showLatest] };
  if (o.onZoom) {
    hooks.setSelect = [(u) => {
      const { left, width } = u.select;
      if (width < 5) return;
      const from = u.posToVal(left, 'x');
      const to = u.posToVal(left + width, 'x');
      u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
      if (to - from >= 60) o.onZoom(from, to);
    }];
  }
  if (o.card) {
    const card = o.card;
    hooks.draw = [(u) => {
      const { min, max } = u.scales.x;
      const points = String(u.data[0].length);
      if (min != null && card.dataset.xMin !== String(Math.round(min))) card.dataset.xMin = String(Math.round(min));
      if (max != null && card.dataset.xMax !== String(Math.round(max))) card.dataset.xMax = String(Math.round(max));
      if (card.dataset.points !== points) card.dataset.points = points;
    }];
  }
  opts.hooks = hooks;
  const plot = new uPlot(opts, empty, el);
  const ro = new ResizeObserver(() => {
    const w = Math.floor(el.clientWidth);
    if (w > 0 && w !== plot.width) plot.setSize({ width: w, height: opts.height });
  });
  ro.observe(el);
  return {
    setData(data) {
      plot.setData(data);
    },
    /** Recomputes the scales (a moving window, a new limit) and redraws with the same data. */
    refresh() {
      plot.setData(plot.data);
    },
    destroy() {
      ro.disconnect();
      plot.destroy();
    },
  };
}
