/**
 * Turns the engine's JSON events (`deployguard deploy --json`, one object per line) into the
 * demo's narration. It only describes what the events say — every line on screen comes from
 * something the real engine did.
 */

const tty = process.stdout.isTTY === true && !process.env['NO_COLOR'];
const paint = (code: string) => (text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint('1');
export const dim = paint('2');
export const red = paint('31');
export const green = paint('32');
export const yellow = paint('33');
export const cyan = paint('36');

/** Strips colours from step output when the terminal does not show them. */
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const plain = (text: string) => (tty ? text : text.replace(/\u001b\[[0-9;]*m/g, ''));

/** The fields of the engine events the narration reads (the full types live in src/core/events.ts). */
export interface DemoEvent {
  readonly type: string;
  readonly deploymentId: string;
  readonly at: string;
  readonly [field: string]: unknown;
}

export interface Said {
  (line: string): void;
}

/** What one `deploy` told us, for the story's checks and its closing notification. */
export interface DeployFacts {
  deploymentId?: string;
  commit?: string | undefined;
  finalStatus?: string;
  finalReason?: string | undefined;
  exitCode?: number;
  alarm?: string | undefined;
  alarmReason?: string | undefined;
  rollbackTargetId?: string;
  rollbackOutcome?: string;
  rollbackDeploymentId?: string;
  restoredCommit?: string | undefined;
}

const short = (sha: unknown) => (typeof sha === 'string' ? sha.slice(0, 7) : '?');
const seconds = (ms: unknown) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '');

export class Narrator {
  readonly facts: DeployFacts = {};
  private readonly kinds = new Map<string, string>();

  constructor(private readonly say: Said) {}

  event(e: DemoEvent): void {
    const nested = this.kinds.get(e.deploymentId) === 'rollback' ? '    ' : '';
    const out = (line: string) => this.say(`${nested}${line}`);
    switch (e.type) {
      case 'deployment-started': {
        this.kinds.set(e.deploymentId, String(e['kind']));
        if (e['kind'] === 'rollback') {
          this.facts.rollbackDeploymentId = e.deploymentId;
          this.facts.restoredCommit = typeof e['commit'] === 'string' ? e['commit'] : undefined;
          this.say(
            `    ${cyan('↩')} rollback ${e.deploymentId}: redeploying the stable template and parameters of commit ${short(e['commit'])}`,
          );
        } else {
          this.facts.deploymentId = e.deploymentId;
          this.facts.commit = typeof e['commit'] === 'string' ? e['commit'] : undefined;
          out(
            `${cyan('▶')} deployment ${e.deploymentId}: ${e['stackName']} in ${e['region']} (account ${e['account']}) at commit ${bold(short(e['commit']))}`,
          );
        }
        break;
      }
      case 'step-started':
        out(`  ${dim(`step ${Number(e['index']) + 1}:`)} ${e['name']}`);
        break;
      case 'step-finished':
        out(`  ${e['status'] === 'succeeded' ? green('✔') : red('✖')} ${e['name']} ${e['status']} ${dim(seconds(e['durationMs']))}`);
        break;
      case 'log':
        if (e['stream'] === 'engine') {
          for (const line of e['lines'] as string[]) {
            // Stack events are told by stack-status below; the change set summary is worth a line.
            if (/^Change set/.test(line)) out(`  ${dim(line)}`);
          }
        } else {
          for (const line of e['lines'] as string[]) out(`    ${dim('│')} ${plain(line)}`);
        }
        break;
      case 'stack-status':
        out(
          `  ${dim('CloudFormation:')} ${e['stackName']} ${String(e['status']).endsWith('COMPLETE') ? green(String(e['status'])) : String(e['status'])}`,
        );
        break;
      case 'alarms-checked': {
        const alarms = (e['alarms'] as { name: string; state: string }[]).map(
          (a) => `${a.name} ${a.state === 'OK' ? green(a.state) : yellow(a.state)}`,
        );
        out(`  guarded alarms before the deploy: ${alarms.join(', ')}`);
        break;
      }
      case 'deployment-status':
        if (e['status'] === 'watching') out(`  ${dim('status:')} watching (the bake)`);
        else if (e['status'] === 'deploying' && !nested) out(`  ${dim('status:')} deploying through a change set`);
        break;
      case 'watch-started':
        out(
          `  ${yellow('⏱')} ${e['phase'] === 'restore' ? 'verifying the restore' : 'bake started'}: watching ${(e['alarms'] as string[]).join(' and ')} for ${seconds(e['bakeMs'])}, every ${e['pollSeconds']} s (rollback: ${e['rollback']})`,
        );
        break;
      case 'alarm-changed':
        // Why it went into ALARM is what the notification tells, not the later return to OK.
        if (e['to'] === 'ALARM') this.facts.alarmReason = typeof e['reason'] === 'string' ? e['reason'] : undefined;
        out(
          `  ${e['to'] === 'ALARM' ? red('🔔') : '•'} alarm ${bold(String(e['alarm']))}: ${e['from'] ?? '(new)'} → ${e['to'] === 'ALARM' ? red('ALARM') : String(e['to'])}`,
        );
        break;
      case 'watch-verdict':
        if (e['verdict'] === 'unhealthy') {
          this.facts.alarm = typeof e['alarm'] === 'string' ? e['alarm'] : undefined;
          out(`  ${red('✖ unhealthy:')} ${e['reason']}`);
        } else {
          out(`  ${e['verdict'] === 'healthy' ? green('✔ healthy:') : yellow(`${e['verdict']}:`)} ${e['reason']}`);
        }
        break;
      case 'rollback-started':
        this.facts.rollbackTargetId = String(e['targetId']);
        out(`  ${cyan('↩')} automatic rollback to the last stable deployment ${e['targetId']}`);
        break;
      case 'rollback-finished':
        this.facts.rollbackOutcome = String(e['outcome']);
        out(`  ${e['outcome'] === 'rolled-back' ? green('✔ rolled back:') : red(`✖ ${e['outcome']}:`)} ${e['reason']}`);
        break;
      case 'notice':
        if (e['level'] !== 'info') out(`  ${yellow('⚠')} ${e['message']}`);
        break;
      case 'deployment-finished':
        if (nested) {
          out(
            `${e['status'] === 'stable' || e['status'] === 'unchanged' || e['status'] === 'rolled-back' ? green('✔') : red('✖')} rollback deployment ${e['status']} ${dim(`(${seconds(e['durationMs'])})`)}`,
          );
        } else {
          this.facts.finalStatus = String(e['status']);
          this.facts.finalReason = typeof e['reason'] === 'string' ? e['reason'] : undefined;
          this.facts.exitCode = Number(e['exitCode']);
          const colour = e['status'] === 'stable' ? green : e['status'] === 'rolled-back' ? yellow : red;
          out(`${colour('■')} ${bold(String(e['status']))} after ${seconds(e['durationMs'])} ${dim(`(exit code ${e['exitCode']})`)}`);
        }
        break;
      default:
        break; // change-set-planned, stack-event: the lines above already tell them
    }
  }
}
