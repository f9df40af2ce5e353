import { createInterface } from 'node:readline';
import { Narrator, type DemoEvent, type DeployFacts } from './narrator';
import type { ProcessGroups } from './processes';

export interface CliTarget {
  /** dist/cli.js (the demo's copy). */
  readonly cli: string;
  /** The repository to run in (its deployguard.yaml). */
  readonly repo: string;
  /** AWS_ENDPOINT_URL, the emulator's credentials, DEPLOYGUARD_HOME. */
  readonly env: NodeJS.ProcessEnv;
}

export interface RunResult {
  readonly code: number | null;
  readonly facts: DeployFacts;
  /** The CLI's stderr (shown only when something went wrong). */
  readonly stderr: string;
}

/**
 * Runs the real CLI (`node dist/cli.js deploy … --json`) in its own process group and narrates
 * its events as they arrive; `onEvent` lets the story act on a moment (flip the alarm when the
 * bake starts).
 */
export async function runDeploy(
  groups: ProcessGroups,
  target: CliTarget,
  args: readonly string[],
  say: (line: string) => void,
  onEvent: (event: DemoEvent) => void = () => undefined,
): Promise<RunResult> {
  const narrator = new Narrator(say);
  const child = groups.start('deployguard deploy', process.execPath, [target.cli, ...args, '--json'], {
    cwd: target.repo,
    env: target.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    let event: DemoEvent;
    try {
      event = JSON.parse(line) as DemoEvent;
    } catch {
      say(line); // not an event: show it as it is
      return;
    }
    narrator.event(event);
    onEvent(event);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  await groups.stop(child, 500);
  return { code, facts: narrator.facts, stderr };
}
