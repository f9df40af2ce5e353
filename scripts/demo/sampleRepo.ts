import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runOrThrow } from './processes';

/**
 * The sample service repository the demo (and the end-to-end story test) deploys: a copy of
 * examples/orders-service in a fresh git repository whose `origin` is a bare repository next to
 * it, with v1 committed and pushed — what a newcomer's clone of a real service looks like.
 */
/** Relative to the repository root, which npm scripts, the demo and the tests all run in. */
export const EXAMPLE_DIR = resolve('examples', 'orders-service');

export interface SampleRepo {
  /** The working copy (open it in VS Code). */
  readonly dir: string;
  /** The bare repository `origin` points at. */
  readonly remote: string;
}

export interface SampleOptions {
  /** Replaces prod's `bake:` (e.g. '30s'): the sample's 2m is long to watch in a demo. */
  readonly bake?: string;
  /** Replaces prod's `pollSeconds:`. */
  readonly pollSeconds?: number;
}

const git = (dir: string, ...args: string[]) => runOrThrow('git', args, { cwd: dir, env: gitEnv() }).trim();

/** No user config, no prompts: the demo must not depend on (or change) the person's git setup. */
function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Orders Team',
    GIT_AUTHOR_EMAIL: 'orders-team@example.com',
    GIT_COMMITTER_NAME: 'Orders Team',
    GIT_COMMITTER_EMAIL: 'orders-team@example.com',
  };
}

/** Rewrites one `key: value` line of prod's health block, failing loudly if the sample changed shape. */
function replaceHealthValue(yaml: string, key: string, value: string): string {
  const pattern = new RegExp(`^(\\s+${key}:\\s*)\\S+(.*)$`, 'm');
  if (!pattern.test(yaml)) throw new Error(`examples/orders-service/deployguard.yaml has no "${key}:" line to shorten`);
  return yaml.replace(pattern, `$1${value}  # shortened for the demo (the sample says longer)`);
}

export function createSampleRepo(root: string, options: SampleOptions = {}): SampleRepo {
  const dir = join(root, 'orders-service');
  const remote = join(root, 'orders-service-origin.git');
  cpSync(EXAMPLE_DIR, dir, { recursive: true, filter: (src) => !/[\\/](build|node_modules)$/.test(src) });

  const pipelineFile = join(dir, 'deployguard.yaml');
  let yaml = readFileSync(pipelineFile, 'utf8');
  if (options.bake) yaml = replaceHealthValue(yaml, 'bake', options.bake);
  if (options.pollSeconds !== undefined) yaml = replaceHealthValue(yaml, 'pollSeconds', String(options.pollSeconds));
  writeFileSync(pipelineFile, yaml);

  runOrThrow('git', ['init', '--quiet', '--bare', '--initial-branch=main', remote], { env: gitEnv() });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  // Local identity so commits made later from VS Code (Save, Commit, Push and Deploy) work too.
  git(dir, 'config', 'user.name', 'Orders Team');
  git(dir, 'config', 'user.email', 'orders-team@example.com');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'orders-service v1: order totals');
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '--quiet', '-u', 'origin', 'main');
  return { dir, remote };
}

export function headSha(dir: string): string {
  return git(dir, 'rev-parse', 'HEAD');
}

/** The v2 source change: a discount feature (the release that will go bad in production). */
export const V2_CODE_LINE = 'const DISCOUNT_PERCENT = 10; // v2: launch promotion';

export function writeV2Code(dir: string): void {
  const file = join(dir, 'src', 'orders.js');
  const source = readFileSync(file, 'utf8');
  if (source.includes(V2_CODE_LINE)) return;
  writeFileSync(file, source.replace("'use strict';\n", `'use strict';\n\n${V2_CODE_LINE}\n`));
}

/** The v2 infrastructure change: a dead-letter queue for failed fulfilments. */
export function writeV2Template(dir: string): void {
  const file = join(dir, 'infra', 'template.yaml');
  const template = readFileSync(file, 'utf8');
  if (template.includes('FulfilmentDeadLetters')) return;
  if (!template.includes('\nOutputs:')) throw new Error(`${file} has no Outputs section to add the v2 queue before`);
  const queue = `  FulfilmentDeadLetters:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "orders-\${Stage}-fulfilment-dlq"
      MessageRetentionPeriod: 1209600

`;
  writeFileSync(file, template.replace('\nOutputs:', `\n${queue.trimEnd()}\n\nOutputs:`));
}

/** Commits the working tree as v2 and pushes it, like a developer would from a terminal. */
export function commitAndPush(dir: string, message: string): string {
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', message);
  git(dir, 'push', '--quiet', 'origin', 'main');
  return headSha(dir);
}

export function readTemplate(dir: string): string {
  return readFileSync(join(dir, 'infra', 'template.yaml'), 'utf8');
}
