import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeployGuardError } from '../errors';
import type { StackKey } from './record';

/** `DEPLOYGUARD_HOME`, else `~/.deployguard`: shared by the CLI and every editor window. */
export function deployGuardHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['DEPLOYGUARD_HOME']?.trim();
  return configured ? resolve(configured) : join(homedir(), '.deployguard');
}

// Account ids are digits, regions lowercase words, stack names [A-Za-z][-A-Za-z0-9]*: anything
// else would let a crafted name escape the history folder, so it is refused, not sanitised.
const ACCOUNT = /^[0-9A-Za-z-]{1,64}$/;
const REGION = /^[a-z0-9-]{1,32}$/;
const STACK_NAME = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;

export function stackDir(root: string, key: StackKey): string {
  assertStackKey(key);
  return join(root, 'stacks', key.account, key.region, key.stackName);
}

/** Refuses a stack key that could escape a folder or an S3 prefix (see above). */
export function assertStackKey(key: StackKey): void {
  if (!ACCOUNT.test(key.account) || !REGION.test(key.region) || !STACK_NAME.test(key.stackName)) {
    throw new DeployGuardError(
      'ConfigInvalid',
      `Cannot keep history for stack "${key.stackName}" in ${key.region} (account ${key.account}): not a valid stack name, region or account`,
      { hint: 'stack names start with a letter and contain only letters, digits and hyphens' },
    );
  }
}

/** A record id that sorts by start time: `20261126T223000123Z-ab12cd`. */
export function newDeploymentId(now: number = Date.now()): string {
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The start time an id was made with (epoch ms), or undefined for a malformed id. */
export function deploymentIdTime(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(id);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as [number, number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

const ID = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;
export function isDeploymentId(text: string): boolean {
  return ID.test(text);
}
