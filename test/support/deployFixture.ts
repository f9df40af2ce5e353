import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main';
import type { EngineEvent } from '../../src/core/events';
import { MOTO_ENV } from './moto';

/** A template moto can create: an SNS topic named by a parameter, a NoEcho secret, outputs. */
export function topicTemplate(version = 'v1', extra = ''): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Description: deploy guard test stack ${version}
Parameters:
  Name:
    Type: String
  Secret:
    Type: String
    NoEcho: true
    Default: default-secret-value
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "\${Name}-${version}"
      Tags:
        - Key: secret
          Value: !Ref Secret
${extra}Outputs:
  TopicArn:
    Value: !Ref Topic
`;
}

export interface RepoOptions {
  readonly stackName?: string;
  readonly template?: string;
  readonly parameters?: Record<string, string>;
  readonly tags?: Record<string, string>;
  readonly steps?: string;
  readonly environment?: string;
  readonly extraStack?: string;
  readonly extraEnvironment?: string;
}

/** A repository folder with deployguard.yaml and a template; returns its path. */
export async function makeRepo(options: RepoOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-repo-'));
  await mkdir(join(dir, 'infra'), { recursive: true });
  await writeFile(join(dir, 'infra', 'template.yaml'), options.template ?? topicTemplate());
  const params = options.parameters ?? { Name: 'orders-${env.name}' };
  const tags = options.tags ?? { team: 'payments' };
  const yamlMap = (m: Record<string, string>) =>
    Object.keys(m).length === 0
      ? '{}'
      : `\n${Object.entries(m)
          .map(([k, v]) => `    ${k}: "${v}"`)
          .join('\n')}`;
  await writeFile(
    join(dir, 'deployguard.yaml'),
    `version: 1
name: test-service
steps:${options.steps ?? '\n  - name: Build\n    run: echo building ${env.name}'}
stack:
  name: ${options.stackName ?? 'orders-${env.name}'}
  template: infra/template.yaml
  parameters: ${yamlMap(params)}
  tags: ${yamlMap(tags)}
${options.extraStack ?? ''}environments:
  ${options.environment ?? 'dev'}:
    region: us-east-1
${options.extraEnvironment ?? ''}`,
  );
  return dir;
}

export async function writeTemplate(repo: string, body: string): Promise<void> {
  await writeFile(join(repo, 'infra', 'template.yaml'), body);
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed stdout lines when --json was given. */
  readonly events: EngineEvent[];
}

/** The AWS credentials of moto in this process (the SDK reads process.env). */
export function useMotoCredentials(): void {
  Object.assign(process.env, MOTO_ENV);
  delete process.env['AWS_PROFILE'];
  delete process.env['AWS_ENDPOINT_URL'];
}

/** Runs the CLI in-process from source, with captured streams. */
export async function cli(
  args: string[],
  options: { cwd: string; home: string; env?: Record<string, string>; signal?: AbortSignal },
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(args, {
    stdout,
    stderr,
    env: { ...process.env, ...MOTO_ENV, DEPLOYGUARD_HOME: options.home, DEPLOYGUARD_POLL_MS: '20', ...options.env },
    cwd: options.cwd,
    signal: options.signal ?? new AbortController().signal,
    isTty: false,
  });
  const events = args.includes('--json')
    ? out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as EngineEvent)
    : [];
  return { code, stdout: out, stderr: err, events };
}

export function cfnClient(endpoint: string): CloudFormationClient {
  return new CloudFormationClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
}

export async function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'dg-home-'));
}
