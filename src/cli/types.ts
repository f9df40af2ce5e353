import type { Writable } from 'node:stream';

/** What a CLI command gets to talk to the world with; tests pass their own streams. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on Ctrl+C (SIGINT) or SIGTERM. */
  readonly signal: AbortSignal;
  readonly isTty: boolean;
  /** The Node.js version running the CLI (process.versions.node when absent; tests pass another). */
  readonly nodeVersion?: string;
}

export interface CliCommand {
  readonly name: string;
  /** One line for `deployguard --help`. */
  readonly summary: string;
  /** The full `deployguard NAME --help` text. */
  readonly help: string;
  /** Returns the process exit code (see ExitCode in core/model). */
  run(args: string[], io: CliIo): Promise<number>;
}
