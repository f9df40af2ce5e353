import { runProcess, type ProcessOutcome, type RunProcessOptions } from './runProcess';

export interface CapturedProcess {
  readonly outcome: ProcessOutcome;
  /** Output lines joined with `\n`, capped at `maxLines` per stream (the rest is counted, not kept). */
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a short command (git, a version probe) and keeps its output, with the same process-group,
 * timeout and cancellation guarantees as the step runner. Never a shell: argv only.
 */
export async function captureProcess(
  command: string,
  args: readonly string[],
  options: Omit<RunProcessOptions, 'command' | 'args' | 'onLine'> & { readonly maxLines?: number },
): Promise<CapturedProcess> {
  const maxLines = options.maxLines ?? 10_000;
  const out: Record<'stdout' | 'stderr', string[]> = { stdout: [], stderr: [] };
  const outcome = await runProcess({
    ...options,
    command,
    args,
    onLine: (stream, line) => {
      if (out[stream].length < maxLines) out[stream].push(line);
    },
  });
  return { outcome, stdout: out.stdout.join('\n'), stderr: out.stderr.join('\n') };
}
