/**
 * What the deploy, history, rollback and recover commands share: loading the pipeline file,
 * the engine context, reading the commit, flags for the AWS target, and printing engine events
 * (human lines, or one JSON object per line with --json).
 */
import { isOpenStatus, statusRow } from '../../core/deploymentStatus';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { StackPollers } from '../../core/aws/stackPoller';
import type { AwsSelection, EngineContext } from '../../core/deployment';
import { DeployGuardError } from '../../core/errors';
import type { EngineEvent } from '../../core/events';
import { GitRepository } from '../../core/git';
import { UNGUARDED_WORDS } from '../../core/history/ledger';
import { HistoryStore } from '../../core/history/store';
import { deployGuardHome } from '../../core/history/paths';
import { userHistoryChoice } from '../../core/history/location';
import type { Logger } from '../../core/logger';
import { Notifier } from '../../core/notify/notifier';
import { loadPipeline, PIPELINE_FILE_NAME, requireEnvironment, type PipelineConfig } from '../../core/pipeline';
import { formatCountdown } from '../../core/time';
import { jsonLineSafe, stepOutputSafe, terminalSafe } from '../../core/text/terminalSafe';
import type { CliIo } from '../types';
import { displayPath, formatProblem } from './problemFormat';
import { describeHealthEvent, isHealthEvent } from '../../core/health/describe';

/** Flags every engine command takes. */
export const TARGET_OPTIONS = {
  file: { type: 'string' },
  endpoint: { type: 'string' },
  profile: { type: 'string' },
  history: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const TARGET_HELP = `  --file PATH       the pipeline file (default: ${PIPELINE_FILE_NAME} in the current folder)
  --endpoint URL    send AWS calls here (an emulator); AWS_ENDPOINT_URL works too
  --profile NAME    AWS profile when the environment names none (default: the SDK's chain)
  --history WHERE   where history and the stack lock live: s3://BUCKET/PREFIX or local
                    (DEPLOYGUARD_HISTORY works too; both win over history: in the file)
  --json            print one JSON object per line instead of text`;

export interface LoadedTarget {
  readonly config: PipelineConfig;
  readonly repoRoot: string;
  readonly file: string;
  readonly environment: string;
}

export function oneEnvironment(command: string, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new DeployGuardError(
      'Usage',
      positionals.length === 0
        ? `name the environment, e.g. deployguard ${command} dev`
        : `expected one environment, got ${positionals.length}`,
      {
        hint: `run "deployguard ${command} --help"`,
      },
    );
  }
  return positionals[0]!;
}

export async function loadTarget(io: CliIo, fileArg: string | undefined, environment: string): Promise<LoadedTarget> {
  const file = resolve(io.cwd, fileArg ?? PIPELINE_FILE_NAME);
  const repoRoot = dirname(file);
  const loaded = await loadPipeline(repoRoot, { file });
  if (!loaded.config) {
    for (const problem of loaded.problems) io.stderr.write(`${formatProblem(problem, io.cwd)}\n`);
    throw new DeployGuardError('ConfigInvalid', `${displayPath(file, io.cwd)} has problems; nothing was done`, {
      hint: 'fix them (deployguard validate lists them)',
    });
  }
  requireEnvironment(loaded.config, environment, displayPath(file, io.cwd));
  return { config: loaded.config, repoRoot, file, environment };
}

export function selection(
  io: CliIo,
  target: LoadedTarget,
  values: { endpoint?: string; profile?: string; history?: string },
  git?: AwsSelection['git'],
): AwsSelection {
  const userHistory = userHistoryChoice(values.history, io.env);
  return {
    ...(userHistory ? { userHistory } : {}),
    pipeline: target.config,
    environment: target.environment,
    processEnv: io.env,
    ...(values.endpoint ? { userEndpoint: values.endpoint } : {}),
    ...(values.profile ? { userProfile: values.profile } : {}),
    ...(git ? { git } : {}),
  };
}

export async function readGit(root: string, io: CliIo): Promise<AwsSelection['git'] | undefined> {
  try {
    // The CLI is run on purpose by the user in their own repository: that is the trust decision.
    const head = await new GitRepository({ root, isTrusted: () => true, env: io.env }).head(io.signal);
    return { sha: head.sha, shortSha: head.shortSha, ...(head.branch ? { branch: head.branch } : {}), dirty: head.dirty };
  } catch (err) {
    if (DeployGuardError.is(err, 'Cancelled')) throw err;
    return undefined;
  }
}

function stderrLogger(io: CliIo, json: boolean): Logger {
  const quiet = () => undefined;
  const write = (prefix: string) => (message: string | Error) =>
    json ? undefined : io.stderr.write(`${prefix}${terminalSafe(typeof message === 'string' ? message : message.message)}\n`);
  return { trace: quiet, debug: quiet, info: quiet, warn: write('warning: '), error: write('error: ') };
}

/** Shorter intervals for tests and the benchmark (DEPLOYGUARD_POLL_MS); production defaults otherwise. */
function pollersFor(io: CliIo, logger: Logger): StackPollers {
  const ms = Number(io.env['DEPLOYGUARD_POLL_MS']);
  if (Number.isFinite(ms) && ms > 0)
    return new StackPollers(logger, { initialMs: ms, maxMs: Math.max(ms, 3 * ms), maxErrorMs: 10 * ms, factor: 1.5, jitter: 0.2 });
  return new StackPollers(logger);
}

/** The notifiers this process made: runCli waits for their deliveries, a bounded time, before it exits. */
const notifiers = new Set<Notifier>();

/** How long the CLI waits at exit for notifications still being delivered. */
export const NOTIFY_EXIT_WAIT_MS = 5_000;

/** Waits (at most `maxMs`) for every notification this process started, then gives up on the rest. */
export async function settleNotifications(maxMs = NOTIFY_EXIT_WAIT_MS): Promise<void> {
  const waiting = [...notifiers];
  notifiers.clear();
  await Promise.all(waiting.map((n) => n.settle(maxMs)));
}

/**
 * The CLI's notifier: the webhook from DEPLOYGUARD_NOTIFY_WEBHOOK (the environment of the person
 * running it, never the repository's file), stable deploys told too when DEPLOYGUARD_NOTIFY_STABLE=1.
 * Delivery failures reach stderr even with --json (they are not events of the deployment).
 */
function notifierFor(io: CliIo): Notifier {
  const warn = (message: string | Error) =>
    io.stderr.write(`warning: ${terminalSafe(typeof message === 'string' ? message : message.message)}\n`);
  const quiet = () => undefined;
  const webhookUrl = io.env['DEPLOYGUARD_NOTIFY_WEBHOOK'];
  const notifier = new Notifier({
    ...(webhookUrl ? { webhookUrl } : {}),
    onStable: /^(1|true|yes)$/i.test(io.env['DEPLOYGUARD_NOTIFY_STABLE'] ?? ''),
    logger: { trace: quiet, debug: quiet, info: quiet, warn, error: warn },
  });
  notifiers.add(notifier);
  return notifier;
}

export function engineContext(io: CliIo, json: boolean): EngineContext {
  const print = json ? jsonPrinter(io) : textPrinter(io);
  const fast = Number(io.env['DEPLOYGUARD_POLL_MS']);
  const logger = stderrLogger(io, json);
  return {
    history: new HistoryStore(deployGuardHome(io.env)),
    pollers: pollersFor(io, logger),
    emit: print,
    logger,
    notifier: notifierFor(io),
    ...(Number.isFinite(fast) && fast > 0
      ? {
          timing: { changeSetPollMs: fast, acceptWithoutEventsMs: 50 * fast, lockHeartbeatMs: 20 * fast, lockStaleMs: 100 * fast },
          clientOptions: clientOptionsFrom(io),
        }
      : {}),
  };
}

/** Test and benchmark knobs: DEPLOYGUARD_REQUEST_TIMEOUT_MS, DEPLOYGUARD_MAX_ATTEMPTS. */
function clientOptionsFrom(io: CliIo) {
  const timeout = Number(io.env['DEPLOYGUARD_REQUEST_TIMEOUT_MS']);
  const attempts = Number(io.env['DEPLOYGUARD_MAX_ATTEMPTS']);
  return {
    maxAttempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 3,
    ...(Number.isFinite(timeout) && timeout > 0 ? { requestTimeoutMs: timeout } : {}),
  };
}

function jsonPrinter(io: CliIo): (event: EngineEvent) => void {
  return (event) => io.stdout.write(`${jsonLineSafe(JSON.stringify(event))}\n`);
}

/**
 * How a run ended, in the words `history` uses: "stable" belongs to a version something verified,
 * so a deploy to an environment without health checks ends "deployed, not verified".
 */
function finishedWords(event: Extract<EngineEvent, { type: 'deployment-finished' }>): string {
  if (event.verification === 'unguarded') return `${UNGUARDED_WORDS} (the environment has no health checks)`;
  return isOpenStatus(event.status) ? statusRow(event.status).words : event.status;
}

/** Human-readable progress: one line per meaningful event. */
function textPrinter(io: CliIo): (event: EngineEvent) => void {
  // Events carry AWS text (reasons, messages) and step output, neither ours: a terminal must not obey them.
  const out = (line: string) => io.stdout.write(`${terminalSafe(line)}\n`);
  const stepOut = (line: string) => io.stdout.write(`${stepOutputSafe(line)}\n`);
  return (event) => {
    switch (event.type) {
      case 'deployment-started':
        out(
          `▶ ${event.kind} ${event.deploymentId}: ${event.stackName} in ${event.region} (account ${event.account})${event.commit ? ` at ${event.commit.slice(0, 7)}` : ''}`,
        );
        break;
      case 'deployment-status':
        out(`  status: ${event.status}${event.reason ? ` — ${event.reason}` : ''}`);
        break;
      case 'deployment-finished':
        out(
          `${event.exitCode === 0 ? '✔' : '✖'} ${finishedWords(event)}${event.reason ? `: ${event.reason}` : ''} (${formatCountdown(event.durationMs)})`,
        );
        break;
      case 'step-started':
        out(`▶ step ${event.index + 1}: ${event.name}`);
        break;
      case 'step-finished':
        out(`  step ${event.name}: ${event.status}${event.exitCode !== undefined ? ` (exit ${event.exitCode})` : ''}`);
        break;
      case 'log':
        for (const line of event.lines) {
          if (event.stream === 'engine') out(`  ${line}`);
          else stepOut(`  │ ${line}`);
        }
        break;
      case 'change-set-planned':
        break; // summarised by the engine's own log line
      case 'stack-event':
        break; // the engine logs each one
      case 'stack-status':
        out(`  stack ${event.stackName}: ${event.status}${event.reason ? ` (${event.reason})` : ''}`);
        break;
      case 'notice':
        out(`  ${event.level === 'info' ? 'ℹ' : event.level === 'warning' ? '⚠' : '✖'} ${event.message}`);
        break;
      case 'metric-points':
        break; // live chart points: in --json only (a line per poll would drown the text)
      case 'alarms-checked':
      case 'watch-started':
      case 'alarm-changed':
      case 'watch-verdict':
      case 'metric-verdict':
      case 'rollback-started':
      case 'rollback-finished':
        out(`  ${isHealthEvent(event) ? describeHealthEvent(event).replace(/\n/g, '\n  ') : describeOther(event)}`);
    }
  };
}

/** The health watch's events, printed generically (their module owns their wording). */
function describeOther(event: EngineEvent): string {
  const {
    type,
    deploymentId: _id,
    at: _at,
    ...rest
  } = event as unknown as { type: string; deploymentId: string; at: string } & Record<string, unknown>;
  const facts = Object.entries(rest)
    .filter(([, v]) => v !== undefined && (typeof v !== 'object' || Array.isArray(v)))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
  return `${type}${facts ? `: ${facts}` : ''}`;
}

/** y/N on the terminal; false when there is no terminal to ask. */
export async function askYesNo(io: CliIo, question: string): Promise<boolean> {
  if (!io.isTty) return false;
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
