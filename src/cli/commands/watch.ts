import { dirname, relative, resolve } from 'node:path';
import { DeployGuardError, errorMessage, isCancellation } from '../../core/errors';
import { GitRepository } from '../../core/git';
import { ExitCode } from '../../core/model';
import { loadPipeline, PIPELINE_FILE_NAME, requireEnvironment, type EnvironmentConfig, type PipelineConfig } from '../../core/pipeline';
import { DEFAULT_SAVE_DEBOUNCE_MS, RepoFileWatcher, SaveTrigger, type DeployCallback } from '../../core/triggers';
import type { Logger } from '../../core/logger';
import { terminalSafe } from '../../core/text/terminalSafe';
import type { CliCommand, CliIo } from '../types';
import { parseCommandArgs } from '../usage';
import { displayPath, formatProblem } from './problemFormat';
import { watchDeployCallback } from './watchDeploy';

const HELP = `Usage: deployguard watch ENV [--file PATH] [--debounce MS] [--endpoint URL] [--profile NAME]

Redeploys environment ENV whenever files in the repository change (like "cdk watch"):
changes are debounced, files git ignores do not count, and changes made while a deploy
runs lead to exactly one more deploy of the newest state. Each deploy runs the steps and
then the stack, exactly as "deployguard deploy ENV" does, with the commit, branch and
uncommitted-changes flag recorded in history.

ENV must list "save" in deployOn; guarded and prod* environments cannot (deploy them with
a push or "deployguard deploy").

Options:
  --file PATH      the pipeline file (default: ${PIPELINE_FILE_NAME} in the current folder)
  --debounce MS    quiet time after the last change before deploying (default ${DEFAULT_SAVE_DEBOUNCE_MS}, minimum 200)
  --endpoint URL   send AWS calls here (an emulator); AWS_ENDPOINT_URL works too
  --profile NAME   AWS profile when the environment names none (default: the SDK's chain)
  -h, --help       show this help

Ctrl+C stops watching; a deploy in progress is cancelled cleanly.
Exit codes: 0 stopped by Ctrl+C, 1 could not watch, 2 usage or config error.
`;

/** What a watch needs to build the deploy callback (the engine), so tests can pass their own. */
export interface WatchDeployContext {
  readonly io: CliIo;
  readonly config: PipelineConfig;
  readonly environment: EnvironmentConfig;
  readonly repoRoot: string;
  readonly file: string;
  readonly userEndpoint?: string;
  readonly userProfile?: string;
}
export type WatchDeployFactory = (context: WatchDeployContext) => DeployCallback;

function stderrLogger(io: CliIo): Logger {
  const write = (prefix: string) => (message: string | Error) =>
    io.stderr.write(`${prefix}${terminalSafe(typeof message === 'string' ? message : message.message)}\n`);
  const quiet = () => undefined;
  return { trace: quiet, debug: quiet, info: quiet, warn: write('warning: '), error: write('error: ') };
}

function parseDebounce(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SAVE_DEBOUNCE_MS;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 200) {
    throw new DeployGuardError('Usage', `--debounce must be a whole number of milliseconds, at least 200 (got "${text}")`);
  }
  return ms;
}

async function loadEnvironment(io: CliIo, fileArg: string | undefined, envName: string) {
  const file = resolve(io.cwd, fileArg ?? PIPELINE_FILE_NAME);
  const repoRoot = dirname(file);
  const loaded = await loadPipeline(repoRoot, { file });
  if (!loaded.config) {
    for (const problem of loaded.problems) io.stderr.write(`${formatProblem(problem, io.cwd)}\n`);
    throw new DeployGuardError('ConfigInvalid', `${displayPath(file, io.cwd)} has problems; not watching`, {
      hint: 'fix them (deployguard validate lists them)',
    });
  }
  const config = loaded.config;
  const environment = requireEnvironment(config, envName, displayPath(file, io.cwd));
  if (!environment.deployOn.includes('save')) {
    throw new DeployGuardError('Usage', `environment "${envName}" does not deploy on save`, {
      hint: `add "save" to environments.${envName}.deployOn (dev stacks only), or run "deployguard deploy ${envName}"`,
    });
  }
  if (environment.confirm) {
    throw new DeployGuardError(
      'Usage',
      `environment "${envName}" asks for confirmation before each deploy, so it cannot redeploy on every change`,
      {
        hint: `run "deployguard deploy ${envName}" instead`,
      },
    );
  }
  return { file, repoRoot, config, environment };
}

/** The watch command, with the deploy engine injected (the registry passes the real one). */
export function createWatchCommand(deployFactory: WatchDeployFactory): CliCommand {
  return {
    name: 'watch',
    summary: 'redeploy a dev environment whenever files change (Ctrl+C stops)',
    help: HELP,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs('watch', args, {
        file: { type: 'string' },
        debounce: { type: 'string' },
        endpoint: { type: 'string' },
        profile: { type: 'string' },
      });
      if (positionals.length !== 1) {
        throw new DeployGuardError(
          'Usage',
          positionals.length === 0
            ? 'name the environment, e.g. deployguard watch dev'
            : `expected one environment, got ${positionals.length}`,
          {
            hint: 'run "deployguard watch --help"',
          },
        );
      }
      const envName = positionals[0]!;
      const debounceMs = parseDebounce(values.debounce);
      const { file, repoRoot, config, environment } = await loadEnvironment(io, values.file, envName);
      const logger = stderrLogger(io);
      // Running the CLI in a folder is the user's trust decision for that folder.
      const repo = new GitRepository({ root: repoRoot, isTrusted: () => true, env: io.env, logger });
      await repo.head(io.signal); // fails early, with a clear message, outside a git repository

      const deploy = deployFactory({
        io,
        config,
        environment,
        repoRoot,
        file,
        ...(values.endpoint ? { userEndpoint: values.endpoint } : {}),
        ...(values.profile ? { userProfile: values.profile } : {}),
      });
      const trigger = new SaveTrigger({ repo, environment, deploy, isTrusted: () => true, debounceMs, logger });
      const watcher = new RepoFileWatcher({ repo, logger, onChange: (path) => trigger.onSave(path) });
      const rel = (path: string) => relative(repoRoot, path) || '.';
      trigger.onDidRun((event) => {
        if (event.type === 'started') {
          const { commit, savedFiles = [] } = event.request;
          const files = savedFiles.length <= 3 ? savedFiles.map(rel).join(', ') : `${savedFiles.length} files`;
          io.stderr.write(
            `▶ deploying ${envName} at ${commit.shortSha}${commit.dirty ? ' + uncommitted changes' : ''} (changed: ${files})\n`,
          );
        } else if (event.type === 'finished') {
          io.stderr.write(`■ deploy of ${envName} ended: ${terminalSafe(describeResult(event.result))}\n`);
        } else if (!isCancellation(event.error)) {
          const hint = DeployGuardError.is(event.error) && event.error.hint ? ` → ${event.error.hint}` : '';
          io.stderr.write(`✖ deploy of ${envName} could not run: ${terminalSafe(`${errorMessage(event.error)}${hint}`)}\n`);
        }
      });
      trigger.onDidChangeState((event) => {
        if (event.state === 'waiting') return;
        if (event.state === 'deploying' && event.followUpPending) io.stderr.write('  more changes: one more deploy will follow\n');
      });

      try {
        const folders = await watcher.start();
        io.stderr.write(
          `Watching ${displayPath(repoRoot, io.cwd) || '.'} (${folders} folder${folders === 1 ? '' : 's'}) for ${envName}: a change redeploys after ${(debounceMs / 1000).toFixed(1)} s of quiet. Ctrl+C stops.\n`,
        );
        await new Promise<void>((done) => {
          if (io.signal.aborted) done();
          else io.signal.addEventListener('abort', () => done(), { once: true });
        });
      } finally {
        watcher.dispose();
        const busy = trigger.state === 'deploying';
        trigger.dispose(); // aborts the running deploy's signal; drops any pending follow-up
        if (busy) {
          io.stderr.write('Stopping: cancelling the deploy in progress…\n');
          await trigger.settled();
        }
      }
      io.stderr.write('Stopped watching.\n');
      return ExitCode.Ok;
    },
  };
}

function describeResult(result: unknown): string {
  if (typeof result === 'string') return result;
  // The engine's DeploymentOutcome: its record says how the deployment ended.
  const record = (result as { record?: { status?: unknown; reason?: unknown } } | undefined)?.record;
  if (record?.status) return `${String(record.status)}${record.reason ? ` (${String(record.reason)})` : ''}`;
  if (result && typeof result === 'object' && 'status' in result) return String(result.status);
  return 'done';
}

export const watchCommand: CliCommand = createWatchCommand(watchDeployCallback);
