import uPlot from 'uplot';
import { assertNever } from '../../protocol/errors';
import type { MetricSample } from '../../protocol/observe';
import {
  type DeployMarker,
  type LogStreamState,
  type MetricPanelToHost,
  type MetricWindow,
  METRIC_WINDOWS,
  parseHostToMetricPanel,
} from '../../protocol/observe-panels';
import { type Chart, SampleStore, hpaChart, latest, redChart, usageChart } from './series';

declare function acquireVsCodeApi(): { postMessage(m: MetricPanelToHost): void };

const vscode = acquireVsCodeApi();
const store = new SampleStore();
let markers: DeployMarker[] = [];
let windowSeconds: MetricWindow = 300;
let streamState: LogStreamState = 'live';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A theme colour as the canvas needs it (CSS variables do not reach inside a canvas). */
function themeColour(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

const PALETTE = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-yellow', '#cca700'],
  ['--vscode-terminal-ansiCyan', '#11a8cd'],
  ['--vscode-terminal-ansiMagenta', '#bc3fbc'],
  ['--vscode-charts-red', '#f14c4c'],
] as const;

// ---- Layout -------------------------------------------------------------------------------------------

const app = document.getElementById('app') as HTMLElement;
const title = el('h1', { class: 'title' });
const windowSelect = el('select', { id: 'window', title: 'Time window', 'aria-label': 'Time window' });
for (const w of METRIC_WINDOWS) windowSelect.append(el('option', { value: String(w) }, `Last ${w / 60} min`));
const intervalSelect = el('select', {
  id: 'interval',
  title: 'Refresh every',
  'aria-label': 'Refresh every',
});
for (const s of [2, 5, 15, 30]) intervalSelect.append(el('option', { value: String(s) }, `Every ${s} s`));
const source = el('span', { class: 'source' });
const banner = el('div', { class: 'banner hidden' });
const hpaCards = el('div', { class: 'hpa-cards' });
const grid = el('div', { class: 'grid' });
app.append(
  el('header', { class: 'toolbar' }, title, windowSelect, intervalSelect, source),
  banner,
  hpaCards,
  grid,
);

interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  build: (samples: readonly MetricSample[]) => Chart;
  /** Why the chart is empty, from the latest sample. */
  why: (s: MetricSample | undefined) => string | undefined;
}

const SPECS: ChartSpec[] = [
  {
    id: 'cpu',
    title: 'CPU',
    unit: 'millicores',
    build: (s) => usageChart(s, 'cpu'),
    why: (s) => s?.usageError,
  },
  {
    id: 'memory',
    title: 'Memory',
    unit: 'MiB',
    build: (s) => usageChart(s, 'memory', 1024 * 1024),
    why: (s) => s?.usageError,
  },
  {
    id: 'rate',
    title: 'Request rate',
    unit: 'req/s',
    build: (s) => redChart(s, 'rate'),
    why: (s) => s?.redError,
  },
  {
    id: 'errors',
    title: 'Error rate',
    unit: '% 5xx',
    build: (s) => redChart(s, 'errors'),
    why: (s) => s?.redError,
  },
  { id: 'p95', title: 'Latency p95', unit: 'ms', build: (s) => redChart(s, 'p95'), why: (s) => s?.redError },
  { id: 'hpa', title: 'Autoscaler replicas', unit: 'pods', build: hpaChart, why: () => undefined },
];

interface Drawn {
  plot: uPlot | undefined;
  labels: string;
  box: HTMLElement;
  value: HTMLElement;
  note: HTMLElement;
  plotBox: HTMLElement;
}

const drawn = new Map<string, Drawn>();
for (const spec of SPECS) {
  const value = el('span', { class: 'value' });
  const note = el('div', { class: 'note' });
  const plotBox = el('div', { class: 'plot' });
  const box = el(
    'section',
    { class: 'chart', id: `chart-${spec.id}`, 'aria-label': spec.title },
    el('h2', {}, el('span', {}, spec.title), value),
    plotBox,
    note,
  );
  grid.append(box);
  drawn.set(spec.id, { plot: undefined, labels: '', box, value, note, plotBox });
}

// ---- Charts -------------------------------------------------------------------------------------------

function format(v: number | undefined, unit: string): string {
  if (v === undefined) return '';
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}

/** Deploy markers as vertical lines with their label's first words. */
function markerPlugin(): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        const colour = themeColour('--vscode-charts-blue', '#3794ff');
        ctx.save();
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.setLineDash([4, 3]);
        ctx.lineWidth = devicePixelRatio;
        ctx.font = `${10 * devicePixelRatio}px ${getComputedStyle(document.body).fontFamily}`;
        // Labels of markers close together would overprint: only the first of a cluster gets one.
        let labelledUpTo = -Infinity;
        for (const m of markers) {
          const x = u.valToPos(Date.parse(m.at) / 1000, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          if (x < labelledUpTo) continue;
          labelledUpTo = x + 160 * devicePixelRatio;
          ctx.fillText(
            m.label.replace(/^Revision (\d+) of [^:]+/, 'rev $1').slice(0, 28),
            x + 3,
            u.bbox.top + 10,
          );
        }
        ctx.restore();
      },
    },
  };
}

function makePlot(spec: ChartSpec, chart: Chart, d: Drawn): uPlot {
  const fg = themeColour('--vscode-foreground', '#ccc');
  const grid = themeColour('--vscode-panel-border', '#444');
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  let podIndex = 0;
  const series: uPlot.Series[] = [
    {},
    ...chart.series.map((s): uPlot.Series => {
      if (s.kind === 'request')
        return {
          label: s.label,
          stroke: themeColour('--vscode-charts-yellow', '#cca700'),
          dash: [6, 4],
          width: 1,
        };
      if (s.kind === 'limit')
        return {
          label: s.label,
          stroke: themeColour('--vscode-charts-red', '#f14c4c'),
          dash: [2, 3],
          width: 1,
        };
      const [name, fallback] = PALETTE[podIndex++ % PALETTE.length]!;
      return { label: s.label, stroke: themeColour(name, fallback), width: 1.5, spanGaps: false };
    }),
  ];
  return new uPlot(
    {
      width: Math.max(200, d.plotBox.clientWidth),
      height: 180,
      series,
      axes: [
        { ...axis },
        { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => String(Number(t.toPrecision(3)))) },
      ],
      scales: {
        x: { time: true, range: () => xRange() },
        y: {
          range: (_u, min, max) => [0, Math.max(max ?? 1, min ?? 0, spec.id === 'errors' ? 1 : 0.001) * 1.1],
        },
      },
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      plugins: [markerPlugin()],
    },
    [chart.x, ...chart.series.map((s) => s.values)] as uPlot.AlignedData,
    d.plotBox,
  );
}

function xRange(): uPlot.Range.MinMax {
  const last = store.last();
  const end =
    last === undefined ? Date.now() / 1000 : Math.max(Date.parse(last.at) / 1000, Date.now() / 1000 - 1);
  return [end - windowSeconds, end];
}

function renderCharts(): void {
  const samples = store.all();
  const last = store.last();
  for (const spec of SPECS) {
    const d = drawn.get(spec.id)!;
    const chart = spec.build(samples);
    const hasData = chart.series.some((s) => s.values.some((v) => v !== null));
    const first = chart.series.find((s) => s.kind !== 'request' && s.kind !== 'limit');
    const headline =
      spec.id === 'cpu' || spec.id === 'memory'
        ? chart.series.filter((s) => s.kind === 'pod').reduce((sum, s) => sum + (latest(s.values) ?? 0), 0)
        : latest(first?.values ?? []);
    d.value.textContent = hasData
      ? `${format(headline, spec.unit)}${spec.id === 'cpu' || spec.id === 'memory' ? ' total' : ''}`
      : '';
    const why = spec.why(last);
    d.note.textContent = hasData
      ? (why ?? '')
      : (why ??
        (spec.id === 'hpa' ? 'No HorizontalPodAutoscaler targets this workload.' : 'Waiting for samples…'));
    d.box.classList.toggle('empty', !hasData);
    d.box.dataset['points'] = String(
      chart.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0),
    );
    const labels = chart.series.map((s) => s.label).join('\n');
    if (d.plot === undefined || d.labels !== labels) {
      d.plot?.destroy();
      d.plotBox.replaceChildren();
      d.plot = makePlot(spec, chart, d);
      d.labels = labels;
    } else {
      d.plot.setData([chart.x, ...chart.series.map((s) => s.values)] as uPlot.AlignedData);
    }
  }
  const hpas = last?.hpa ?? [];
  hpaCards.replaceChildren(
    ...hpas.map((h) =>
      el(
        'div',
        { class: 'hpa' },
        el('span', { class: 'codicon codicon-dashboard', 'aria-hidden': 'true' }),
        el('strong', {}, h.name),
        ` ${h.current} running · ${h.desired} wanted · ${h.min}–${h.max} · ${h.targets.join(', ')}`,
      ),
    ),
  );
  const red = last?.red;
  source.textContent = [
    `${store.size} samples`,
    red === undefined
      ? ''
      : red.source === 'prometheus'
        ? 'requests from Prometheus'
        : "requests from the pods' /metrics",
    streamState === 'live' ? 'live' : streamState === 'reconnecting' ? 'reconnecting…' : 'ended',
  ]
    .filter((p) => p !== '')
    .join(' · ');
  app.dataset['samples'] = String(store.size);
  app.dataset['state'] = streamState;
}

let scheduled = false;
function invalidate(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    renderCharts();
  });
}

new ResizeObserver(() => {
  for (const d of drawn.values())
    d.plot?.setSize({ width: Math.max(200, d.plotBox.clientWidth), height: 180 });
}).observe(grid);

windowSelect.addEventListener('change', () => {
  windowSeconds = Number(windowSelect.value) as MetricWindow;
  vscode.postMessage({ type: 'window', window: windowSeconds });
  for (const d of drawn.values()) d.plot?.redraw(true, true);
  invalidate();
});
intervalSelect.addEventListener('change', () =>
  vscode.postMessage({ type: 'interval', intervalSeconds: Number(intervalSelect.value) }),
);

function showBanner(text: string, tone: string): void {
  banner.textContent = text;
  banner.className = `banner ${tone}${text === '' ? ' hidden' : ''}`;
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostToMetricPanel(event.data);
  if (message === undefined) return;
  switch (message.type) {
    case 'init':
      title.textContent = message.title;
      windowSeconds = message.window;
      windowSelect.value = String(message.window);
      intervalSelect.value = String(message.intervalSeconds);
      invalidate();
      return;
    case 'reset':
      intervalSelect.value = String(message.intervalSeconds);
      invalidate();
      return;
    case 'samples':
      store.add(message.samples);
      invalidate();
      return;
    case 'markers':
      markers = message.markers;
      for (const d of drawn.values()) d.plot?.redraw(false, false);
      return;
    case 'state':
      streamState = message.state;
      showBanner(
        message.message ?? '',
        message.state === 'ended' ? 'error' : message.state === 'reconnecting' ? 'warning' : '',
      );
      invalidate();
      return;
    default:
      assertNever(message, 'host message');
  }
});

// The time axis moves on between samples.
setInterval(() => {
  for (const d of drawn.values()) d.plot?.redraw(true, true);
}, 5000);

vscode.postMessage({ type: 'ready' });
