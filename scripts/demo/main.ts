import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudWatch, createGuardedAlarms, GUARDED_ALARMS } from './alarms';
import { buildExtension } from './build';
import { EMULATOR_CREDENTIALS, startEmulator } from './emulator';
import { startInteractive } from './interactive';
import { bold, dim, green, red } from './narrator';
import { ProcessGroups } from './processes';
import { playScenario } from './scenario';
import { createSampleRepo } from './sampleRepo';

const USAGE = `Usage: npm run demo [-- --scenario]

  (no flag)    build and package the extension, start a local AWS emulator (moto) and a real
               VS Code (code-server) with Deploy Guard and a sample repository; prints the URL.
               Ctrl+C stops everything.
  --scenario   play the whole story by itself in this terminal (no browser): deploy v1, deploy
               v2, an alarm fires, automatic rollback, the notification. Exits 0 when the story
               happened as told.
`;

const say = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();
const step = (text: string) => say(`${bold('•')} ${text} ${dim(`[${((Date.now() - started) / 1000).toFixed(1)} s]`)}`);

/** The bake the interactive demo's sample uses: long enough to flip an alarm by hand, short enough to wait for. */
const INTERACTIVE_BAKE = '45s';

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    say(USAGE);
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--scenario');
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument(s): ${unknown.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const scenario = argv.includes('--scenario');
  const root = mkdtempSync(join(tmpdir(), 'deployguard-demo-'));
  const groups = new ProcessGroups();

  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      const left = await groups.stopAll();
      rmSync(root, { recursive: true, force: true });
      if (left.length > 0) say(red(`still running after the stop (please report this):\n  ${left.join('\n  ')}`));
      else
        say(
          dim('stopped: every process the demo started (moto, code-server, deploys) is gone — checked with ps; temporary files removed.'),
        );
    })());
  // Ctrl+C (and a polite kill) stop every process group first, then leave.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    say(`\n${signal === 'SIGINT' ? 'Ctrl+C' : signal}: stopping the demo…`);
    void cleanup().then(() => process.exit(signal === 'SIGINT' ? 0 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  // Whatever else ends this process, its children do not outlive it.
  process.once('exit', () => groups.killAllNow());

  try {
    say(bold(`Deploy Guard demo${scenario ? ' — the scripted story' : ''}`));
    step('building the extension and the CLI');
    const built = buildExtension(root, { packageVsix: !scenario }, (line) => say(dim(`  ${line}`)));

    step('starting the local AWS emulator (moto) on 127.0.0.1');
    const emulator = await startEmulator(groups, (line) => say(`  ${line}`));
    say(dim(`  ${emulator.endpoint}`));

    step(`creating the guarded alarms ${GUARDED_ALARMS.join(' and ')} (PutMetricAlarm, state OK)`);
    const cw = cloudWatch(emulator.endpoint);
    await createGuardedAlarms(cw);
    cw.destroy();

    step('creating the sample repository from examples/orders-service (git, with a bare remote as origin)');
    const repo = createSampleRepo(root, scenario ? {} : { bake: INTERACTIVE_BAKE });
    say(dim(`  ${repo.dir}`));

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...EMULATOR_CREDENTIALS,
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      DEPLOYGUARD_HOME: join(root, 'deployguard-home'),
      // The emulator's fake keys, never a real profile or session of the person running the demo.
      AWS_PROFILE: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_DEFAULT_PROFILE: undefined,
      // The AWS SDK's notice that its 2027 releases need Node 22 is not part of the story.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

    if (scenario) {
      await playScenario({ groups, target: { cli: built.cli, repo: repo.dir, env }, endpoint: emulator.endpoint, say });
    } else {
      await startInteractive({
        groups,
        root,
        vsix: built.vsix!,
        repo: repo.dir,
        endpoint: emulator.endpoint,
        env,
        say,
        stopping: () => stopping,
      });
    }
    await cleanup();
    if (scenario) say(green(bold('The story played to the end: deployed, watched, caught, rolled back, told.')));
    return 0;
  } catch (err) {
    say(red(`\n✖ ${(err as Error).message}`));
    await cleanup();
    return 1;
  }
}
