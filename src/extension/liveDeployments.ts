/**
 * What the editor knows about deployments happening now, reduced from the engine's typed events
 * only (no `vscode`, no AWS, no polling): the tree, the status bar and the notifications all read
 * this one model, so they can never disagree.
 */
import type { EngineEvent } from '../core/events';
import type { DeploymentKind, DeploymentStatus } from '../core/model';

export interface LiveDeployment {
  readonly id: string;
  readonly kind: DeploymentKind;
  readonly environment: string;
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly commit?: string;
  readonly branch?: string;
  readonly startedAtMs: number;
  status: DeploymentStatus;
  reason?: string;
  /** Set while watching (or verifying a restore): when the bake (or the verification window) ends (epoch ms). */
  watchDeadlineMs?: number | undefined;
  rollbackPolicy?: 'auto' | 'prompt' | 'off';
  /** Set once its bake began: a deploy that ends `stable` without one was deployed, not verified. */
  watched?: boolean;
  /** The alarm an unhealthy verdict blamed. */
  alarm?: string;
  /** Why the health watch found it unhealthy (the final `reason` then says what was done about it). */
  unhealthyReason?: string;
  /** The last stack status the engine saw for this deployment's operation. */
  stackStatus?: string;
  /** For an automatic rollback started by this deployment: the rollback's own record. */
  rollbackDeploymentId?: string;
  rollbackTargetId?: string;
  /** For a rollback record: the deployment it undoes, when it was started inside that one. */
  parentId?: string;
  finished: boolean;
  exitCode?: number;
  durationMs?: number;
}

/** A change worth telling views about: which deployment changed, and whether it just finished. */
export interface LiveChange {
  readonly deployment: LiveDeployment;
  readonly event: EngineEvent;
  /** True for the event that ended the deployment (its `deployment-finished`). */
  readonly finishedNow: boolean;
}

export class LiveDeployments {
  private readonly byId = new Map<string, LiveDeployment>();
  /** environment name → id of the deployment that defines its state now. */
  private readonly current = new Map<string, string>();
  /** The deployment the status bar shows: the one most recently active in this window. */
  private focusedId: string | undefined;

  get(id: string): LiveDeployment | undefined {
    return this.byId.get(id);
  }

  /** The deployment that defines an environment's state now, if any ran in this window. */
  forEnvironment(environment: string): LiveDeployment | undefined {
    const id = this.current.get(environment);
    return id ? this.byId.get(id) : undefined;
  }

  /** Every deployment not finished yet. */
  running(): LiveDeployment[] {
    return [...this.byId.values()].filter((d) => !d.finished);
  }

  focused(): LiveDeployment | undefined {
    const last = this.focusedId ? this.byId.get(this.focusedId) : undefined;
    if (!last || !last.finished) return last;
    // A deployment still going (deploying, watching, rolling back) matters more than one that has
    // ended: a dev deploy-on-save that finishes must not hide prod's bake countdown. An automatic
    // rollback is shown through the deployment it undoes.
    return (
      this.running()
        .filter((d) => !d.parentId)
        .at(-1) ?? last
    );
  }

  /** Applies one engine event; returns what changed, or undefined for events that change nothing here. */
  apply(event: EngineEvent): LiveChange | undefined {
    if (event.type === 'deployment-started') return this.started(event);
    const d = this.byId.get(event.deploymentId);
    if (!d) return undefined;
    switch (event.type) {
      case 'deployment-status':
        d.status = event.status;
        if (event.reason !== undefined) d.reason = event.reason;
        if (event.status !== 'watching' && event.status !== 'verifying-restore') d.watchDeadlineMs = undefined;
        return { deployment: d, event, finishedNow: false };
      case 'deployment-finished':
        d.status = event.status;
        if (event.reason !== undefined) d.reason = event.reason;
        d.finished = true;
        d.exitCode = event.exitCode;
        d.durationMs = event.durationMs;
        d.watchDeadlineMs = undefined;
        // The last deployment to end is the news once nothing runs (prod rolled back after a dev
        // save-deploy had finished: the status bar says prod).
        if (!d.parentId) this.focusedId = d.id;
        return { deployment: d, event, finishedNow: true };
      case 'watch-started': {
        d.watchDeadlineMs = Date.parse(event.deadline);
        // A restore's verification is shown through the deployment it undoes too: its countdown.
        const parent = event.phase === 'restore' && d.parentId ? this.byId.get(d.parentId) : undefined;
        if (parent) parent.watchDeadlineMs = d.watchDeadlineMs;
        else {
          d.rollbackPolicy = event.rollback;
          d.watched = true;
        }
        // The status itself comes only from `deployment-status` (the engine states `watching` first).
        return { deployment: parent ?? d, event, finishedNow: false };
      }
      case 'watch-verdict':
        if (event.alarm) d.alarm = event.alarm;
        if (event.verdict === 'unhealthy') d.reason = d.unhealthyReason = event.reason;
        return { deployment: d, event, finishedNow: false };
      case 'alarm-changed':
        if (event.to === 'ALARM' && !d.alarm) d.alarm = event.alarm;
        return { deployment: d, event, finishedNow: false };
      case 'rollback-started':
        d.rollbackTargetId = event.targetId;
        if (event.rollbackDeploymentId) this.linkRollback(d, event.rollbackDeploymentId);
        return { deployment: d, event, finishedNow: false };
      case 'rollback-finished':
        if (event.rollbackDeploymentId) this.linkRollback(d, event.rollbackDeploymentId);
        return { deployment: d, event, finishedNow: false };
      case 'stack-status':
        d.stackStatus = event.status;
        return { deployment: d, event, finishedNow: false };
      // Nothing to show for these.
      case 'step-started':
      case 'step-finished':
      case 'log':
      case 'change-set-planned':
      case 'stack-event':
      case 'notice':
      case 'alarms-checked':
      case 'metric-verdict':
      case 'metric-points':
        return undefined;
    }
  }

  /** Deployments finished in this window are kept only while they define an environment's state. */
  prune(): void {
    const keep = new Set([...this.current.values(), this.focusedId]);
    for (const [id, d] of this.byId) {
      if (d.finished && !keep.has(id) && !(d.parentId && keep.has(d.parentId))) this.byId.delete(id);
    }
  }

  private started(event: Extract<EngineEvent, { type: 'deployment-started' }>): LiveChange {
    const existing = this.byId.get(event.deploymentId);
    // A resumed deployment announces itself again: keep what is known, it is the same run.
    const d: LiveDeployment = existing ?? {
      id: event.deploymentId,
      kind: event.kind,
      environment: event.environment,
      stackName: event.stackName,
      region: event.region,
      account: event.account,
      ...(event.commit ? { commit: event.commit } : {}),
      ...(event.branch ? { branch: event.branch } : {}),
      startedAtMs: Date.parse(event.at),
      status: 'queued',
      finished: false,
      ...(event.rollbackTargetId ? { rollbackTargetId: event.rollbackTargetId } : {}),
    };
    this.byId.set(d.id, d);
    // A rollback started while another deployment of the environment is still running is part of
    // that deployment (the health watch's automatic rollback): the outer one keeps the state.
    const outer = this.forEnvironment(event.environment);
    if (event.kind === 'rollback' && outer && !outer.finished && outer.id !== d.id) {
      d.parentId = outer.id;
      outer.rollbackDeploymentId = d.id;
    } else {
      this.current.set(event.environment, d.id);
      this.focusedId = d.id;
    }
    this.prune();
    return { deployment: d, event, finishedNow: false };
  }

  private linkRollback(parent: LiveDeployment, rollbackId: string): void {
    parent.rollbackDeploymentId = rollbackId;
    const child = this.byId.get(rollbackId);
    if (child && child.id !== parent.id) child.parentId = parent.id;
  }
}
