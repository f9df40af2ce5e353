/**
 * The numbers a deployment's tooltip carries for its guarded metrics. No `vscode` import, so it is
 * unit-tested.
 */
import type { DeploymentRecord } from '../../core/history/record';

/**
 * One line per judged metric: its verdict, the reason (the change with its interval and what was
 * allowed) and the medians before and during the bake, e.g. "Metric **Latency Average** regressed:
 * Latency Average rose 38 % (98 % CI +22 % … +51 %), allowed +10 % · median 120 → 166".
 */
export function metricLines(record: DeploymentRecord): string[] {
  return (record.health?.metrics ?? []).map((m) => {
    const medians =
      m.baselineMedian !== undefined && m.bakeMedian !== undefined
        ? ` · median ${metricNumber(m.baselineMedian)} → ${metricNumber(m.bakeMedian)}`
        : '';
    return `Metric **${escapeMarkdown(m.name)}** ${m.verdict}: ${escapeMarkdown(m.reason)}${medians}`;
  });
}

/** Three significant digits, as the verdict's own numbers. */
function metricNumber(value: number): string {
  const text = String(Number(Math.abs(value).toPrecision(3)));
  return value < 0 ? `\u2212${text}` : text;
}

/** Markdown special characters in text from records (metric names come from pipeline files and alarms). */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
