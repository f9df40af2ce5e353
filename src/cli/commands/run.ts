import { join, resolve, dirname } from 'node:path';
import { DeployGuardError, errorMessage } from '../../core/errors';
import { GitRepository, type CommitInfo } from '../../core/git';
import { deployGuardHome } from '../../core/history/paths';
import { ExitCode } from '../../core/model';
import {
  loadPipeline,
  PIPELINE_FILE_NAME,
  pipelineSecrets,
  requireEnvironment,
  runSteps,
  type PipelineConfig,
  type RunStepsOptions,
} from '../../core/pipeline';
import { endLeftoverRuns, StepsRunJournal } from '../../core/pipeline/runJournal';
import { createMasker, type Masker } from '../../core/secrets';
import { stepOutputSafe, terminalSafe } from '../../core/text/terminalSafe';
import type { CliCommand, CliIo } from '../types';
import { parseCommandArgs } from '../usage';
import { displayPath, formatProblem } from './problemFormat';

const HELP = `Usage: deployguard run ENV [--file PATH] [--log FILE]

Runs only the pipeline's steps for environment ENV, in order, streaming their output
(nothing is deployed). Variables such as \${env.name} and \${git.sha} reach the steps as
DEPLOYGUARD_* environment variables; secrets and AWS keys are masked. Each step's process
group is journalled as it starts, so a run that is killed leaves nothing running for good:
the next run ends what it left (only that, and only once its process is gone).

Options:
  --file PATH   the pipeline file (default: ${PIPELINE_FILE_NAME} in the current folder)
  --log FILE    where the full log goes (default: a new file under ~/.deployguard/runs)
  -h, --help    show this help

Exit codes: 0 every step succeeded, 1 a step failed, timed out or was cancelled,
2 usage error or invalid pipeline file.
`;

async function readCommit(root: string, io: CliIo): Promise<CommitInfo | undefined> {
  try {
    // The CLI is run on purpose by the user in their own repository: that is the trust decision.
    return await new GitRepository({ root, isTrusted: () => true, env: io.env }).head(io.signal);
  } catch (err) {
    if (DeployGuardError.is(err, 'Cancelled')) throw err;
    return undefined; // not a git repository: ${git.*} then has no value, and says so if used
  }
}

function runLogPath(io: CliIo, envName: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(deployGuardHome(io.env), 'runs', `${envName}-${stamp}.log`);
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: "run the pipeline's steps for an environment (no deploy), streaming their output",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('run', args, { file: { type: 'string' }, log: { type: 'string' } });
    if (positionals.length !== 1) {
      throw new DeployGuardError(
        'Usage',
        positionals.length === 0 ? 'name the environment, e.g. deployguard run dev' : `expected one environment, got ${positionals.length}`,
        {
          hint: 'run "deployguard run --help"',
        },
      );
    }
    const envName = positionals[0]!;
    const file = resolve(io.cwd, values.file ?? PIPELINE_FILE_NAME);
    const repoRoot = dirname(file);
    const loaded = await loadPipeline(repoRoot, { file });
    if (!loaded.config) {
      for (const problem of loaded.problems) io.stderr.write(`${formatProblem(problem, io.cwd)}\n`);
      throw new DeployGuardError('ConfigInvalid', `${displayPath(file, io.cwd)} has problems; nothing was run`, {
        hint: 'fix them (deployguard validate lists them)',
      });
    }
    const config = loaded.config;
    requireEnvironment(config, envName, displayPath(file, io.cwd));
    if (config.steps.length === 0) {
      io.stderr.write(`${displayPath(file, io.cwd)} has no steps: nothing to run\n`);
      return ExitCode.Ok;
    }

    const commit = await readCommit(repoRoot, io);
    const logFile = values.log ? resolve(io.cwd, values.log) : runLogPath(io, envName);
    // Like a deploy: what a killed run left running is ended first, and this run is journalled
    // (each step's process group as it starts) so the next one can do the same for it.
    const home = deployGuardHome(io.env);
    for (const line of await endLeftoverRuns(home)) io.stderr.write(`ℹ ${line}\n`);
    const runId = `run-${Date.now()}`;
    const journal = await StepsRunJournal.start(home, runId);
    const masker = createMasker();
    try {
      return await runAndReport(config, envName, repoRoot, io, {
        commit,
        logFile,
        runId,
        masker,
        onProcess: (stepIndex, group) =>
          void journal
            .stepStarted(stepIndex, group, masker.mask(group.command).slice(0, 200))
            .catch((err: unknown) => io.stderr.write(`warning: could not journal step ${stepIndex + 1}'s process: ${errorMessage(err)}\n`)),
      });
    } finally {
      await journal.finish().catch(() => undefined);
    }
  },
};

async function runAndReport(
  config: PipelineConfig,
  envName: string,
  repoRoot: string,
  io: CliIo,
  run: {
    readonly commit: CommitInfo | undefined;
    readonly logFile: string;
    readonly runId: string;
    readonly masker: Masker;
    readonly onProcess: NonNullable<RunStepsOptions['onProcess']>;
  },
): Promise<number> {
  const { commit, logFile } = run;
  const result = await runSteps({
    steps: config.steps,
    repoRoot,
    env: io.env,
    variables: {
      envName,
      ...(commit ? { git: { sha: commit.sha, shortSha: commit.shortSha, ...(commit.branch ? { branch: commit.branch } : {}) } } : {}),
      deploymentId: run.runId,
      processEnv: io.env,
    },
    secrets: pipelineSecrets(config, io.env),
    masker: run.masker,
    signal: io.signal,
    logFile,
    onProcess: run.onProcess,
    onStep: ({ stepIndex, step, durationMs }) => {
      const n = `[${stepIndex + 1}/${config.steps.length}]`;
      if (step.status === 'running') io.stderr.write(`▶ ${n} ${step.name}\n`);
      else if (step.status === 'succeeded') io.stderr.write(`✔ ${n} ${step.name} (${((durationMs ?? 0) / 1000).toFixed(1)}s)\n`);
      else if (step.status !== 'skipped' && step.status !== 'pending') io.stderr.write(`✖ ${n} ${step.name}: ${step.status}\n`);
    },
    onLine: ({ stream, text }) => (stream === 'stdout' ? io.stdout : io.stderr).write(`${stepOutputSafe(text)}\n`),
  });
  io.stderr.write(`log: ${logFile}\n`);
  switch (result.status) {
    case 'succeeded':
      io.stderr.write(`all ${config.steps.length} steps succeeded\n`);
      return ExitCode.Ok;
    case 'cancelled':
      io.stderr.write('cancelled: the running step and everything it started were stopped\n');
      return ExitCode.Failed;
    case 'failed':
    case 'timed-out':
      io.stderr.write(`${terminalSafe(result.message)}\n`);
      return ExitCode.Failed;
  }
}
