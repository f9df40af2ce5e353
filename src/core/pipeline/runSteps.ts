import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DeployGuardError } from '../errors';
import type { StepRecord } from '../model';
import { processIdentity, runProcess, type OutputStream, type ProcessIdentity, type ProcessOutcome } from '../process';
import { createMasker, credentialValuesFrom, type Masker } from '../secrets';
import { CappedLogFile, DEFAULT_LOG_FILE_MAX_BYTES } from './logFile';
import { DEFAULT_STEP_TIMEOUT_MS, type StepConfig } from './types';
import { processEnvReferences, resolveVariablesIn, toShellReferences, variableEnvironment, type VariableContext } from './variables';

export interface StepOutputLine {
  readonly stepIndex: number;
  readonly stepName: string;
  readonly stream: OutputStream;
  /** Already masked; ANSI colour codes kept. */
  readonly text: string;
}

export interface StepEvent {
  readonly stepIndex: number;
  readonly step: Readonly<StepRecord>;
  readonly durationMs?: number;
}

export interface RunStepsOptions {
  readonly steps: readonly StepConfig[];
  readonly repoRoot: string;
  /** The base environment of every step (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Values for `${env.name}`, `${git.*}`, `${deployment.id}`, `${env:VAR}`. They reach steps as
   * DEPLOYGUARD_* environment variables; without it only steps without variables can run.
   */
  readonly variables?: VariableContext;
  readonly signal?: AbortSignal;
  readonly onLine?: (line: StepOutputLine) => void;
  readonly onStep?: (event: StepEvent) => void;
  /**
   * Each step's process group once it runs (Linux only: elsewhere nothing proves a pid is still
   * the same process later), so a later run can end it if this one dies.
   */
  readonly onProcess?: (stepIndex: number, group: ProcessIdentity) => void;
  /** Full log of the run (masked, size-capped). */
  readonly logFile?: string;
  readonly logFileMaxBytes?: number;
  /** Extra values to mask (on top of `${env:VAR}` values and AWS credentials in the env). */
  readonly secrets?: Iterable<string>;
  /** Use this masker (e.g. one shared with the deploy log); the secrets above are added to it. */
  readonly masker?: Masker;
  readonly killGraceMs?: number;
  readonly maxLineLength?: number;
}

interface FailedStep {
  readonly index: number;
  readonly name: string;
}

export type StepsResult =
  | { readonly status: 'succeeded'; readonly steps: readonly StepRecord[] }
  | {
      readonly status: 'failed';
      readonly step: FailedStep;
      /** null when the step died of a signal or could not start. */
      readonly exitCode: number | null;
      readonly signal?: string;
      readonly message: string;
      readonly steps: readonly StepRecord[];
    }
  | {
      readonly status: 'timed-out';
      readonly step: FailedStep;
      readonly timeoutMs: number;
      readonly message: string;
      readonly steps: readonly StepRecord[];
    }
  | { readonly status: 'cancelled'; readonly step?: FailedStep; readonly steps: readonly StepRecord[] };

/** Variables that would let a step open a prompt (VS Code's git askpass, ssh askpass). */
const PROMPT_VARIABLES = [
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'VSCODE_GIT_ASKPASS_NODE',
  'VSCODE_GIT_ASKPASS_MAIN',
  'VSCODE_GIT_ASKPASS_EXTRA_ARGS',
  'VSCODE_GIT_IPC_HANDLE',
];

/** The environment every step starts from: the base, minus prompts, plus no-prompt switches. */
export function stepBaseEnvironment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of PROMPT_VARIABLES) delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  env.SSH_ASKPASS_REQUIRE = 'never';
  return env;
}

/** bash the way CI runners use it: no rc files, stop at the first failing command or pipe stage. */
export function bashArgs(script: string): string[] {
  return ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script];
}

function elapsed(startedAt: number): number {
  return Date.now() - startedAt;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

/**
 * Runs the pipeline's steps one by one with bash, each in its own process group, streaming
 * masked output. Stops at the first step that fails, times out or is cancelled; the remaining
 * steps are `skipped`. Throws only for a configuration problem found before anything ran
 * (ConfigInvalid: a variable without a value); every runtime failure is a typed result.
 */
export async function runSteps(options: RunStepsOptions): Promise<StepsResult> {
  const baseEnv = stepBaseEnvironment(options.env ?? process.env);
  const processEnv = options.variables?.processEnv ?? baseEnv;

  // Prepare every step before running any: a missing variable must fail before step 1 runs.
  const prepared = options.steps.map((step, index) => {
    const where = `steps[${index}] "${step.name}"`;
    const ctx: VariableContext = options.variables ?? { envName: '', processEnv };
    const script = toShellReferences(step.run, ctx, `${where}.run`);
    const stepEnv = resolveVariablesIn(step.env, ctx, `${where}.env`);
    // `${env:VAR}` in bash became `${VAR}`: make sure VAR is in the step's environment even when
    // the variables' process environment is not the base environment.
    for (const name of processEnvReferences([step.run])) {
      if (!(name in stepEnv)) stepEnv[name] = processEnv[name] ?? '';
    }
    return { step, index, script, stepEnv };
  });

  const masker = options.masker ?? createMasker();
  for (const s of options.secrets ?? []) masker.addSecret(s);
  for (const value of credentialValuesFrom(baseEnv)) masker.addSecret(value);
  for (const name of processEnvReferences(options.steps.flatMap((s) => [s.run, ...Object.values(s.env)]))) {
    masker.addSecret(processEnv[name]);
  }

  const records: StepRecord[] = options.steps.map((s) => ({ name: s.name, status: 'pending' }));
  const log = options.logFile ? new CappedLogFile(options.logFile, options.logFileMaxBytes ?? DEFAULT_LOG_FILE_MAX_BYTES) : undefined;
  const variableEnv = options.variables ? variableEnvironment(options.variables) : {};

  const skipRest = (from: number) => {
    for (let i = from; i < records.length; i++) {
      records[i]!.status = 'skipped';
      options.onStep?.({ stepIndex: i, step: { ...records[i]! } });
    }
  };

  let result: StepsResult | undefined;
  try {
    for (const { step, index, script, stepEnv } of prepared) {
      if (options.signal?.aborted) {
        skipRest(index);
        result = { status: 'cancelled', steps: records };
        break;
      }
      const record = records[index]!;
      const started = Date.now();
      record.status = 'running';
      record.startedAt = new Date(started).toISOString();
      options.onStep?.({ stepIndex: index, step: { ...record } });
      log?.writeLine(`▶ Step ${index + 1}/${prepared.length}: ${masker.mask(step.name)}`);

      const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
      const cwd = resolve(options.repoRoot, step.cwd ?? '.');
      let outcome: ProcessOutcome;
      if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
        outcome = { kind: 'spawn-failed', message: `folder ${cwd} does not exist` };
      } else {
        outcome = await runProcess({
          command: 'bash',
          args: bashArgs(script),
          cwd,
          env: { ...baseEnv, ...variableEnv, ...stepEnv, DEPLOYGUARD_STEP: step.name },
          ...(options.signal ? { signal: options.signal } : {}),
          timeoutMs,
          ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
          ...(options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {}),
          onSpawn: (pid) => {
            const group = options.onProcess && processIdentity(pid);
            if (group) options.onProcess?.(index, group);
          },
          // A chunk's lines at a time: one masking pass and one log-file entry per chunk
          // instead of per line (maskLines says why that masks exactly the same).
          onLines: (stream, raw) => {
            const { lines, text } = maskLines(masker, raw);
            log?.writeBlock(text, lines);
            const onLine = options.onLine;
            if (onLine) for (const line of lines) onLine({ stepIndex: index, stepName: step.name, stream, text: line });
          },
        });
      }

      const durationMs = elapsed(started);
      record.finishedAt = new Date().toISOString();
      const failed = { index, name: step.name };
      switch (outcome.kind) {
        case 'exited':
          record.exitCode = outcome.exitCode;
          record.status = outcome.exitCode === 0 ? 'succeeded' : 'failed';
          if (outcome.exitCode !== 0) {
            result = {
              status: 'failed',
              step: failed,
              exitCode: outcome.exitCode,
              message: `step "${step.name}" failed with exit code ${outcome.exitCode}`,
              steps: records,
            };
          }
          break;
        case 'signalled':
          record.status = 'failed';
          result = {
            status: 'failed',
            step: failed,
            exitCode: null,
            signal: outcome.signal,
            message: `step "${step.name}" was killed by ${outcome.signal}`,
            steps: records,
          };
          break;
        case 'spawn-failed':
          record.status = 'failed';
          result = {
            status: 'failed',
            step: failed,
            exitCode: null,
            message: `step "${step.name}" could not start: ${outcome.message}`,
            steps: records,
          };
          break;
        case 'timed-out':
          record.status = 'timed-out';
          result = {
            status: 'timed-out',
            step: failed,
            timeoutMs: outcome.timeoutMs,
            message: `step "${step.name}" timed out after ${seconds(outcome.timeoutMs)} and was stopped with everything it started`,
            steps: records,
          };
          break;
        case 'cancelled':
          record.status = 'cancelled';
          result = { status: 'cancelled', step: failed, steps: records };
          break;
      }
      const summary =
        record.status === 'succeeded'
          ? `✔ ${step.name} succeeded in ${seconds(durationMs)}`
          : result && result.status !== 'succeeded' && result.status !== 'cancelled'
            ? `✖ ${masker.mask(result.message)} (${seconds(durationMs)})`
            : `■ ${step.name} cancelled after ${seconds(durationMs)}`;
      log?.writeLine(masker.mask(summary));
      options.onStep?.({ stepIndex: index, step: { ...record }, durationMs });
      if (result) {
        skipRest(index + 1);
        break;
      }
    }
  } finally {
    await log?.close().catch(() => undefined);
  }
  return result ?? { status: 'succeeded', steps: records };
}

/**
 * Masks lines joined by '\n' in one pass. The masker never masks across a line break (see
 * Masker.mask), so this is line for line what masking each would give; if a mask ever changed
 * the number of lines, it falls back to masking them one by one.
 */
export function maskLines(masker: Masker, raw: readonly string[]): { lines: readonly string[]; text: string } {
  const joined = raw.join('\n');
  const text = masker.mask(joined);
  if (text === joined) return { lines: raw, text };
  const lines = text.split('\n');
  if (lines.length === raw.length) return { lines, text };
  const each = raw.map((line) => masker.mask(line));
  return { lines: each, text: each.join('\n') };
}

/** The typed error for a run that did not succeed (for callers that prefer throwing). */
export function stepsResultError(result: StepsResult): DeployGuardError | undefined {
  switch (result.status) {
    case 'succeeded':
      return undefined;
    case 'failed':
      return new DeployGuardError('StepFailed', result.message, { hint: 'see the step output above or the run log' });
    case 'timed-out':
      return new DeployGuardError('StepTimedOut', result.message, {
        hint: 'raise the step\'s "timeout:" in deployguard.yaml if it needs longer',
      });
    case 'cancelled':
      return new DeployGuardError('Cancelled', 'The pipeline steps were cancelled');
  }
}
