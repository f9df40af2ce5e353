import { spawnSync } from 'node:child_process';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { BAD_RELEASE_REASON, cloudWatch, setAlarmState } from './alarms';
import { runDeploy, type CliTarget, type RunResult } from './deployRun';
import { EMULATOR_CREDENTIALS } from './emulator';
import { bold, cyan, dim, green, yellow } from './narrator';
import { commitAndPush, headSha, readTemplate, writeV2Code, writeV2Template } from './sampleRepo';
import type { ProcessGroups } from './processes';
import { rolledBackActions } from '../../src/extension/notificationActions';

/** How long each deploy of the scripted story bakes (the sample says 2m; nobody wants to watch that). */
const V1_BAKE = '10s';
const V2_BAKE = '30s';
/** When the demo flips the alarm, counted from the start of v2's bake. */
const ALARM_AFTER_MS = 3000;
const ALARM = 'orders-prod-5xx';

export interface ScenarioSetup {
  readonly groups: ProcessGroups;
  readonly target: CliTarget;
  readonly endpoint: string;
  readonly say: (line: string) => void;
}

function chapter(say: (line: string) => void, n: number, title: string): void {
  say('');
  say(bold(cyan(`── ${n}/5  ${title} `.padEnd(78, '─'))));
}

/** The buttons as `[Word]`, as many to a row as fit in `width` columns. */
function buttonRows(actions: readonly string[], width: number): string[] {
  const rows: string[] = [];
  for (const button of actions.map((a) => `[${a}]`)) {
    const last = rows.at(-1);
    if (last !== undefined && last.length + 2 + button.length <= width) rows[rows.length - 1] = `${last}  ${button}`;
    else rows.push(button);
  }
  return rows;
}

function expect(condition: boolean, what: string, run?: RunResult): void {
  if (condition) return;
  const stderr = run?.stderr.trim() ? `\n${dim('deployguard said on stderr:')}\n${run.stderr.trim()}` : '';
  throw new Error(`the story went off script: ${what}${stderr}`);
}

/**
 * The whole story, played by itself through the real CLI against the emulator: v1 deployed and
 * stable; v2 committed and deployed; the demo flips the 5xx alarm during v2's bake; the engine
 * rolls back to v1 by itself; the demo checks the emulator really has v1's template again and
 * shows the notification the editor would. Throws when any moment is not what the story says.
 */
export async function playScenario({ groups, target, endpoint, say }: ScenarioSetup): Promise<void> {
  const v1Template = readTemplate(target.repo);
  const v1Sha = headSha(target.repo);

  chapter(say, 1, 'Deploy v1 to prod');
  say(dim(`$ deployguard deploy prod --yes --bake ${V1_BAKE}     (prod asks for confirmation; --yes answers it for the demo)`));
  const v1 = await runDeploy(groups, target, ['deploy', 'prod', '--yes', '--bake', V1_BAKE], say);
  expect(
    v1.code === 0 && v1.facts.finalStatus === 'stable',
    `v1 should end stable with exit code 0, it ended ${v1.facts.finalStatus} (exit ${v1.code})`,
    v1,
  );
  say(green(`v1 (${v1Sha.slice(0, 7)}) survived its bake: it is the stable version, the one a rollback returns to.`));

  chapter(say, 2, 'A developer ships v2');
  writeV2Code(target.repo);
  writeV2Template(target.repo);
  const v2Sha = commitAndPush(target.repo, 'orders-service v2: launch discount, dead-letter queue for fulfilment');
  say(`src/orders.js gets a launch discount; infra/template.yaml gets a dead-letter queue.`);
  say(`committed and pushed ${bold(v2Sha.slice(0, 7))} to origin/main`);

  chapter(say, 3, 'Deploy v2 — and it goes bad in production');
  say(dim(`$ deployguard deploy prod --yes --bake ${V2_BAKE}`));
  const cw = cloudWatch(endpoint);
  let flipped: Promise<void> | undefined;
  let cleared: Promise<void> | undefined;
  const v2 = await runDeploy(groups, target, ['deploy', 'prod', '--yes', '--bake', V2_BAKE], say, (event) => {
    // v1 back means the errors stop: the restore's verification window then sees the alarm clear.
    if (event.type === 'watch-started' && event.phase === 'restore' && !cleared) {
      say(green(`  demo: v1 is back, errors stop — SetAlarmState ${ALARM} → OK`));
      cleared = setAlarmState(cw, ALARM, 'OK', 'Threshold Crossed: back under the threshold');
      return;
    }
    if (event.type !== 'watch-started' || flipped) return;
    flipped = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        say(yellow(`  demo: errors spike — SetAlarmState ${ALARM} → ALARM ("${BAD_RELEASE_REASON.slice(0, 60)}…")`));
        setAlarmState(cw, ALARM, 'ALARM', BAD_RELEASE_REASON).then(resolve, reject);
      }, ALARM_AFTER_MS);
    });
  });
  await flipped;
  await cleared;
  cw.destroy();
  expect(flipped !== undefined, 'the v2 deploy never started its bake, so the alarm was never flipped', v2);
  expect(v2.facts.alarm === ALARM, `the health watch should blame ${ALARM}, it blamed ${v2.facts.alarm ?? 'nothing'}`, v2);
  expect(
    v2.facts.rollbackOutcome === 'rolled-back',
    `the automatic rollback should end rolled-back, it ended ${v2.facts.rollbackOutcome ?? 'without one'}`,
    v2,
  );
  expect(
    v2.code === 3 && v2.facts.finalStatus === 'rolled-back',
    `deploy v2 should end rolled-back with exit code 3, it ended ${v2.facts.finalStatus} (exit ${v2.code})`,
    v2,
  );

  chapter(say, 4, 'Check the emulator: is v1 really back?');
  const cfn = new CloudFormationClient({
    region: EMULATOR_CREDENTIALS.AWS_REGION,
    endpoint,
    credentials: { accessKeyId: EMULATOR_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: EMULATOR_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
  try {
    const body = (await cfn.send(new GetTemplateCommand({ StackName: 'orders-prod' }))).TemplateBody;
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-prod' }))).Stacks?.[0];
    const version = stack?.Parameters?.find((p) => p.ParameterKey === 'Version')?.ParameterValue;
    expect(body === v1Template, "GetTemplate should return v1's template, it returned another one");
    expect(version === v1Sha.slice(0, 7), `the stack's Version parameter should be v1's ${v1Sha.slice(0, 7)}, it is ${version}`);
    say(
      `${green('✔')} GetTemplate orders-prod = v1's template (no dead-letter queue), Version parameter = ${bold(version ?? '')}; stack ${stack?.StackStatus}`,
    );
  } finally {
    cfn.destroy();
  }
  const history = spawnSync(process.execPath, ['--no-warnings', target.cli, 'history', 'prod', '--limit', '5'], {
    cwd: target.repo,
    env: target.env,
    encoding: 'utf8',
  });
  say(dim('$ deployguard history prod'));
  for (const line of history.stdout.trimEnd().split('\n')) say(`  ${line}`);

  chapter(say, 5, 'The notification');
  const restored = v2.facts.restoredCommit ?? v1Sha;
  const width = 78;
  // The editor's buttons for this ending, from the table the editor's notification reads.
  const actions = rolledBackActions({ alarm: v2.facts.alarm, rollbackDeploymentId: v2.facts.rollbackDeploymentId });
  expect(
    actions.includes('Open Incident Note') && actions.includes('Copy Incident Note'),
    `a rollback's notification should offer its incident note, it offers ${actions.join(', ')}`,
  );
  const lines = [
    `${yellow('⚠')}  Deploy Guard: prod — ${v2Sha.slice(0, 7)} was unhealthy and was ${bold('rolled back')} automatically`,
    `    alarm:    ${bold(ALARM)} (${v2.facts.alarmReason ?? BAD_RELEASE_REASON})`,
    `    restored: v1 ${bold(restored.slice(0, 7))} (stable deployment ${v2.facts.rollbackTargetId})`,
    ...buttonRows(actions, width - 6).map((row) => `    ${row}`),
  ];
  say(`┌${'─'.repeat(width)}┐`);
  for (const line of lines) say(`  ${line}`);
  say(`└${'─'.repeat(width)}┘`);
  say('');
  say(green(`prod was rolled back to v1 (${restored.slice(0, 7)}) by itself, because alarm ${ALARM} went into ALARM during v2's bake.`));
}
