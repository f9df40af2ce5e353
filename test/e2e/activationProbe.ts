import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type Workbench } from './support/workbench';

/**
 * How Deploy Guard's activation looks from inside a real VS Code: the palette-hidden
 * `deployGuard._status` command (bound to a key in the workbench's user keybindings) reports
 * activate()'s own duration and whether the engine bundle (which carries the AWS SDK) is loaded;
 * the extension host's log says when VS Code began activating it. Shared by the story test and
 * `npm run bench -- activation`.
 */

/** The key the story test and the benchmark bind to `deployGuard._status`. */
export const STATUS_KEY = 'ctrl+alt+shift+f9';
export const STATUS_KEYBINDING = { key: STATUS_KEY, command: 'deployGuard._status' } as const;

export interface ExtensionStatus {
  readonly engineLoaded: boolean;
  /** dist/aws-sdk.js in the module cache; absent from builds that bundle the SDK into the engine. */
  readonly awsSdkLoaded?: boolean;
  readonly activationMs: number;
}

export interface ActivationFigures {
  /** activate() from its first line to its last (what the extension itself costs once loaded). */
  readonly activateMs: number;
  /** From the extension host's "activating deployguard.deploy-guard" log line to "Deploy Guard activated": loading the bundle plus activate(). */
  readonly activationEventToActiveMs?: number;
  /** From the workbench being usable (the harness saw it, after the trust answer) to "Deploy Guard activated"; negative when it activated first. */
  readonly workbenchReadyToActiveMs?: number;
  /** The activation event VS Code named (e.g. workspaceContains:deployguard.yaml). */
  readonly activationEvent?: string;
  readonly engineLoaded: boolean;
  readonly awsSdkLoaded?: boolean;
}

/** Presses the status key and returns the status line it logs. */
export async function readStatus(bench: Workbench): Promise<ExtensionStatus> {
  const count = () => (bench.extensionLog().match(/status \{/g) ?? []).length;
  const before = count();
  await bench.page.keyboard.press('Control+Alt+Shift+F9');
  const line = await waitFor(
    'the status line in the extension log',
    () => {
      const lines = bench
        .extensionLog()
        .split('\n')
        .filter((l) => /status \{/.test(l));
      return lines.length > before ? lines[lines.length - 1] : undefined;
    },
    15_000,
  );
  return JSON.parse(/status (\{.*\})/.exec(line)![1]!) as ExtensionStatus;
}

/** VS Code log lines start with `2026-11-26 23:05:08.123` (local time, milliseconds). */
export function logTime(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(line);
  return m ? new Date(`${m[1]}T${m[2]}`).getTime() : undefined;
}

function filesUnder(dir: string, accept: (path: string) => boolean): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, accept) : accept(path) ? [path] : [];
  });
}

/** The figures of the activation that happened in this workbench (call before anything loads the engine). */
export async function measureActivation(bench: Workbench, workbenchReadyAt: number): Promise<ActivationFigures> {
  // Wait for the activation the workspace causes (workspaceContains:deployguard.yaml): pressing the
  // status key first would activate the extension by that command instead, on a busy machine.
  await waitFor(
    'Deploy Guard to activate by itself',
    () => (/Deploy Guard activated in/.test(bench.extensionLog()) ? true : undefined),
    120_000,
    200,
  );
  const status = await readStatus(bench);
  const activatedLine = bench
    .extensionLog()
    .split('\n')
    .find((l) => /Deploy Guard activated in/.test(l));
  const activatedAt = activatedLine ? logTime(activatedLine) : undefined;
  const activating = filesUnder(join(bench.userDataDir, 'logs'), (p) => p.endsWith('exthost.log'))
    .flatMap((p) => readFileSync(p, 'utf8').split('\n'))
    .find((l) => /_doActivateExtension deployguard\.deploy-guard/i.test(l));
  const activationStartedAt = activating ? logTime(activating) : undefined;
  const event = activating ? /activationEvent: '([^']+)'/.exec(activating)?.[1] : undefined;
  return {
    activateMs: Number(status.activationMs.toFixed(1)),
    ...(activatedAt !== undefined && activationStartedAt !== undefined
      ? { activationEventToActiveMs: activatedAt - activationStartedAt }
      : {}),
    ...(activatedAt !== undefined ? { workbenchReadyToActiveMs: activatedAt - workbenchReadyAt } : {}),
    ...(event ? { activationEvent: event } : {}),
    engineLoaded: status.engineLoaded,
    ...(status.awsSdkLoaded !== undefined ? { awsSdkLoaded: status.awsSdkLoaded } : {}),
  };
}
