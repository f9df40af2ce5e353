/** The health watch: each guarded alarm, the bake countdown, the verdict, what a rollback restored, and the metrics' charts. */
import type { AlarmView, HealthView as Health, MetricChartView } from '../../shared/protocol';
import { MetricChartsView } from '../charts/metricCharts';
import { el, setText } from '../dom';
import { formatAgo, formatCountdown, formatTime, shortSha } from '../format';
import { createBadge, createButton } from '../toolkit';

export class HealthView {
  readonly element = el('div', 'health');
  private readonly bake = el('div', 'bake');
  private readonly verdict = el('div', 'verdict');
  private readonly rollback = el('div', 'rollback');
  private readonly alarms = el('ul', 'alarms');
  private readonly policy = el('div', 'health-policy');
  private readonly empty = el('p', 'empty', 'The health watch starts after the stack update completes.');
  private readonly charts = new MetricChartsView();
  private health: Health | undefined;
  private shownCharts: readonly MetricChartView[] = [];
  private deployStartedAt: number | undefined;

  constructor(private readonly openAlarm: (name: string) => void) {
    this.element.append(this.empty, this.bake, this.verdict, this.rollback, this.alarms, this.policy, this.charts.element);
  }

  /** The metrics' charts: all of them (a snapshot), or the ones that changed (a delta), by name. */
  setCharts(charts: readonly MetricChartView[], whole: boolean, deployStartedAt: number | undefined): void {
    if (whole) this.shownCharts = charts;
    else {
      const changed = new Map(charts.map((c) => [c.name, c]));
      const kept = this.shownCharts.map((c) => changed.get(c.name) ?? c);
      const known = new Set(kept.map((c) => c.name));
      this.shownCharts = [...kept, ...charts.filter((c) => !known.has(c.name))];
    }
    this.deployStartedAt = deployStartedAt;
    this.drawCharts(Date.now());
  }

  /** `charts: false` when new charts follow at once (a snapshot): they are drawn once, then. */
  update(health: Health | undefined, now: number, charts = true): void {
    this.health = health;
    this.empty.hidden = health !== undefined;
    this.alarms.replaceChildren(...(health?.alarms ?? []).map((a) => this.alarmRow(a, now)));
    const policy = health?.policy ? `Rollback policy: ${health.policy}.` : '';
    const triggers = health?.rollbackTriggers?.length
      ? ` CloudFormation rollback triggers during the update: ${health.rollbackTriggers.join(', ')}.`
      : '';
    setText(this.policy, `${policy}${triggers}`);
    const v = health?.verdict;
    this.verdict.hidden = !v;
    if (v) {
      this.verdict.className = `verdict verdict-${v.kind}`;
      const label = v.kind === 'healthy' ? 'Healthy' : v.kind === 'unhealthy' ? 'Unhealthy' : 'Health unknown';
      setText(this.verdict, `${label}${v.alarm ? `: ${v.alarm}` : ''}${v.reason ? ` — ${v.reason}` : ''}`);
    }
    const r = health?.rollback;
    this.rollback.hidden = !r;
    if (r) {
      const target = [r.targetDeploymentId, r.targetCommit ? `commit ${shortSha(r.targetCommit)}` : undefined].filter(Boolean).join(', ');
      const what = {
        started: 'Rolling back to',
        succeeded: 'Restored',
        failed: 'Rollback failed; target was',
        skipped: 'Not rolled back; target would be',
      }[r.phase];
      this.rollback.className = `rollback rollback-${r.phase}`;
      const own = r.rollbackDeploymentId ? ` · rollback run ${r.rollbackDeploymentId}` : '';
      // Why it rolled back is the verdict's line, just above; only a rollback that failed or was
      // skipped has a reason of its own worth reading here.
      const why = r.reason && (r.phase === 'failed' || r.phase === 'skipped') ? ` — ${r.reason}` : '';
      setText(
        this.rollback,
        `${what} ${target ? `deployment ${target}` : 'the last stable version'}${why}${r.at ? ` (${formatTime(r.at)})` : ''}${own}`,
      );
    }
    this.tick(now);
    // The windows and the rollback marked on the charts come from here.
    if (charts && this.shownCharts.length > 0) this.drawCharts(now);
  }

  private drawCharts(now: number): void {
    const h = this.health;
    this.empty.hidden = h !== undefined || this.shownCharts.length > 0;
    this.charts.update(this.shownCharts, {
      deployStartedAt: this.deployStartedAt,
      bakeStartedAt: h?.bakeStartedAt,
      bakeEndsAt: h?.bakeEndsAt,
      rollback: h?.rollback,
      now,
    });
  }

  tick(now: number): void {
    const h = this.health;
    this.bake.hidden = h?.bakeEndsAt === undefined;
    if (h?.bakeEndsAt === undefined) return;
    const decided = h.verdict !== undefined;
    setText(
      this.bake,
      decided ? `Bake window ended ${formatTime(Math.min(now, h.bakeEndsAt))}` : `Bake: ${formatCountdown(h.bakeEndsAt - now)} left`,
    );
  }

  private alarmRow(alarm: AlarmView, now: number): HTMLElement {
    const item = el('li', `alarm state-${alarm.state.toLowerCase()}`);
    item.dataset.state = alarm.state;
    const label =
      { OK: 'OK', ALARM: 'ALARM', INSUFFICIENT_DATA: 'NO DATA', MISSING: 'MISSING', UNREAD: 'NOT READ YET' }[alarm.state] ?? alarm.state;
    const badge = createBadge(label);
    badge.classList.add('alarm-state');
    const changed = alarm.changedAt !== undefined ? `changed ${formatAgo(alarm.changedAt, now)} (${formatTime(alarm.changedAt)})` : '';
    const pre = alarm.preExisting ? ' · already in ALARM before this deploy (not blamed on it)' : '';
    item.append(badge, el('span', 'alarm-name', alarm.name), el('span', 'alarm-changed', `${changed}${pre}`));
    if (alarm.reason) item.append(el('span', 'alarm-reason', alarm.reason));
    const open = createButton('Open', 'icon', () => this.openAlarm(alarm.name));
    open.title = `Open ${alarm.name} in the AWS console`;
    item.append(open);
    return item;
  }
}
