/**
 * The Health tab's metric charts, drawn with uPlot: the one module of the panel that imports it
 * (small, and fast on thousands of points: it draws on a canvas). Its stylesheet is bundled into
 * dist/webview/main.css, which the panel links like its own (the CSP allows styles from the
 * webview's resource origin only; uPlot itself sets element styles through the CSSOM, which the
 * CSP allows). Colours come from the theme's variables and are read again when the theme changes.
 *
 * Each chart is a figure: a title, the summary in words (what a screen reader reads: the canvas
 * is hidden from it), and the plot with the baseline and the bake as lines, their windows shaded,
 * the deploy's start and the rollback marked, and the alarm's threshold as a dashed line.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricChartView } from '../../shared/protocol';
import { el, setText } from '../dom';
import { buildChart, type ChartContext, type ChartData } from './chartData';

/** Performance-timeline names the panel benchmark reads: the charts' draw calls done, and the frame that shows them. */
export const CHARTS_DRAWN = 'deployguard-charts-drawn';
export const CHARTS_FRAME = 'deployguard-charts-frame';

const HEIGHT = 180;

interface Palette {
  readonly baseline: string;
  readonly bake: string;
  readonly threshold: string;
  readonly rollback: string;
  readonly foreground: string;
  readonly grid: string;
  readonly font: string;
}

/** The theme's chart colours, as VS Code sets them on the webview's document. */
function readPalette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-editor-foreground', v('--vscode-foreground', '#888'));
  return {
    baseline: v('--vscode-charts-blue', '#3794ff'),
    bake: v('--vscode-charts-orange', '#d18616'),
    threshold: v('--vscode-charts-red', '#f14c4c'),
    rollback: v('--vscode-charts-purple', '#b180d7'),
    foreground,
    grid: v('--vscode-charts-lines', foreground),
    font: `${v('--vscode-font-size', '12px')} ${v('--vscode-font-family', 'sans-serif')}`,
  };
}

interface Figure {
  readonly element: HTMLElement;
  readonly title: HTMLElement;
  readonly summary: HTMLElement;
  readonly host: HTMLElement;
  /** What the hooks draw: replaced on every update, read at draw time. */
  data: ChartData;
  plot: uPlot | undefined;
}

let figureIds = 0;

export class MetricChartsView {
  readonly element = el('div', 'metric-charts');
  private readonly figures = new Map<string, Figure>();
  private palette: Palette | undefined;
  private width = 0;
  private readonly themeWatch: MutationObserver;
  private readonly sizeWatch: ResizeObserver;
  private themeFrame = 0;

  constructor() {
    // VS Code changes the body's class and the variables on <html> when the theme changes.
    this.themeWatch = new MutationObserver(() => {
      cancelAnimationFrame(this.themeFrame);
      this.themeFrame = requestAnimationFrame(() => this.retheme());
    });
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    this.sizeWatch = new ResizeObserver(() => this.resize());
    this.sizeWatch.observe(this.element);
  }

  /** Shows these charts (in this order); a chart's plot is made once and then given new data. */
  update(charts: readonly MetricChartView[], context: ChartContext): void {
    const started = performance.now();
    this.element.hidden = charts.length === 0;
    const names = new Set(charts.map((c) => c.name));
    for (const [name, figure] of this.figures) {
      if (names.has(name)) continue;
      figure.plot?.destroy();
      figure.element.remove();
      this.figures.delete(name);
    }
    const width = this.plotWidth();
    let points = 0;
    charts.forEach((chart, i) => {
      const data = buildChart(chart, context);
      points += chart.bake.points.length + (chart.baseline?.points.length ?? 0);
      let figure = this.figures.get(chart.name);
      if (!figure) {
        figure = this.newFigure();
        this.figures.set(chart.name, figure);
      }
      if (this.element.children[i] !== figure.element) this.element.insertBefore(figure.element, this.element.children[i] ?? null);
      figure.element.dataset.verdict = chart.verdict?.kind ?? (chart.judged ? 'pending' : 'unjudged');
      setText(figure.title, chart.name);
      setText(figure.summary, data.summary);
      figure.data = data;
      const columns: uPlot.AlignedData = [data.xs, data.baseline, data.bake];
      if (figure.plot) figure.plot.setData(columns);
      else figure.plot = this.plot(figure, columns, width);
    });
    if (charts.length === 0) return;
    // uPlot draws in a microtask after it is given data: this one runs after those.
    queueMicrotask(() => {
      // Only the latest draw is kept: a live run draws again on every read, for hours.
      performance.clearMeasures(CHARTS_DRAWN);
      performance.clearMeasures(CHARTS_FRAME);
      performance.measure(CHARTS_DRAWN, { start: started, end: performance.now(), detail: { charts: charts.length, points } });
      requestAnimationFrame(() =>
        performance.measure(CHARTS_FRAME, { start: started, end: performance.now(), detail: { charts: charts.length, points } }),
      );
    });
  }

  dispose(): void {
    this.themeWatch.disconnect();
    this.sizeWatch.disconnect();
    cancelAnimationFrame(this.themeFrame);
    for (const figure of this.figures.values()) figure.plot?.destroy();
    this.figures.clear();
  }

  private newFigure(): Figure {
    const element = el('figure', 'metric-chart');
    const title = el('figcaption', 'metric-chart-title');
    const summary = el('p', 'metric-chart-summary');
    summary.id = `metric-chart-summary-${++figureIds}`;
    const host = el('div', 'metric-chart-plot');
    // The picture is for eyes; the summary says the same in words.
    host.setAttribute('aria-hidden', 'true');
    element.setAttribute('aria-describedby', summary.id);
    element.append(title, summary, host);
    return { element, title, summary, host, data: EMPTY, plot: undefined };
  }

  private plot(figure: Figure, columns: uPlot.AlignedData, width: number): uPlot {
    const palette = (this.palette ??= readPalette());
    const axis = (): uPlot.Axis => ({
      stroke: palette.foreground,
      font: palette.font,
      grid: { stroke: palette.grid, width: 1 },
      ticks: { stroke: palette.grid, width: 1 },
    });
    const options: uPlot.Options = {
      width,
      height: HEIGHT,
      // No legend, so no cursor either: the summary carries the numbers, and a chart costs fewer
      // elements and listeners (ten of them draw at once when the tab opens).
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: true, range: () => [figure.data.xRange[0], figure.data.xRange[1]] },
        y: { range: (_u, min, max) => yRange(min, max, figure.data.threshold) },
      },
      axes: [axis(), { ...axis(), size: 56 }],
      series: [
        {},
        { label: 'baseline', stroke: palette.baseline, width: 1.5, spanGaps: false, points: { show: false } },
        { label: 'bake', stroke: palette.bake, width: 1.5, spanGaps: false, points: { show: false } },
      ],
      hooks: {
        drawClear: [(u) => drawBands(u, figure.data, palette)],
        draw: [(u) => drawMarks(u, figure.data, palette)],
      },
    };
    return new uPlot(options, columns, figure.host);
  }

  private plotWidth(): number {
    const own = this.element.clientWidth;
    const fallback = (document.getElementById('root')?.clientWidth ?? 0) - 32;
    return Math.max(240, own > 0 ? own : fallback > 0 ? fallback : 600);
  }

  private resize(): void {
    const width = this.element.clientWidth;
    if (width <= 0 || width === this.width) return;
    this.width = width;
    for (const figure of this.figures.values()) figure.plot?.setSize({ width: Math.max(240, width), height: HEIGHT });
  }

  /** The theme changed: new colours, so each plot is made again with them. */
  private retheme(): void {
    const palette = readPalette();
    if (this.palette && JSON.stringify(palette) === JSON.stringify(this.palette)) return;
    this.palette = palette;
    const width = this.plotWidth();
    for (const figure of this.figures.values()) {
      const data = figure.plot?.data;
      figure.plot?.destroy();
      figure.plot = data ? this.plot(figure, data, width) : undefined;
    }
  }
}

const EMPTY: ChartData = { xs: [], baseline: [], bake: [], bands: [], lines: [], xRange: [0, 60], summary: '' };

/** The value axis: the data, the threshold too, with a little room above and below. */
export function yRange(min: number | null, max: number | null, threshold: number | undefined): uPlot.Range.MinMax {
  let lo = min ?? threshold ?? 0;
  let hi = max ?? threshold ?? 1;
  if (threshold !== undefined) {
    lo = Math.min(lo, threshold);
    hi = Math.max(hi, threshold);
  }
  if (hi === lo) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.08;
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}

/** The baseline, bake and rollback windows, shaded behind the lines. */
function drawBands(u: uPlot, data: ChartData, palette: Palette): void {
  const { ctx, bbox } = u;
  const colour = { baseline: palette.baseline, bake: palette.bake, rollback: palette.rollback };
  ctx.save();
  for (const band of data.bands) {
    const from = Math.max(bbox.left, u.valToPos(band.from, 'x', true));
    const to = Math.min(bbox.left + bbox.width, u.valToPos(band.to, 'x', true));
    if (to <= from) continue;
    ctx.globalAlpha = band.kind === 'rollback' ? 0.16 : 0.08;
    ctx.fillStyle = colour[band.kind];
    ctx.fillRect(from, bbox.top, to - from, bbox.height);
    ctx.globalAlpha = 0.9;
    ctx.fillStyle = palette.foreground;
    ctx.font = palette.font;
    ctx.textBaseline = 'top';
    ctx.fillText(band.label, from + 4 * devicePixelRatio, bbox.top + 2 * devicePixelRatio, Math.max(0, to - from - 8));
  }
  ctx.restore();
}

/** The deploy's start and a rollback as vertical lines, the alarm's threshold as a dashed one. */
function drawMarks(u: uPlot, data: ChartData, palette: Palette): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.lineWidth = devicePixelRatio;
  for (const line of data.lines) {
    const x = Math.round(u.valToPos(line.at, 'x', true));
    if (x < bbox.left || x > bbox.left + bbox.width) continue;
    ctx.strokeStyle = line.kind === 'rollback' ? palette.rollback : palette.foreground;
    ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
  }
  if (data.threshold !== undefined) {
    const y = Math.round(u.valToPos(data.threshold, 'y', true));
    ctx.strokeStyle = palette.threshold;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
  }
  ctx.restore();
}
