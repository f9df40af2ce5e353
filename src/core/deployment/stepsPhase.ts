/**
 * The build/test steps of a deploy, run before the stack is touched, with their output turned
 * into batched log events and their progress into step events and record saves.
 */
import { hostname } from 'node:os';
import { errorMessage } from '../errors';
import { stepsToRun } from '../cdk/synthStep';
import { runSteps as realRunSteps, type StepsResult } from '../pipeline/runSteps';
import { variableContext } from './awsSelection';
import type { DeploymentRun } from './deploymentRun';
import type { EngineContext } from './engineContext';
import type { DeployRequest } from './runDeployment';

export async function runPipelineSteps(
  ctx: EngineContext,
  run: DeploymentRun,
  request: DeployRequest,
  signal: AbortSignal,
): Promise<StepsResult> {
  const runner = ctx.runSteps ?? realRunSteps;
  const { record } = run;
  const started = new Map<number, number>();
  // Lines are batched per stream and flushed every 50 ms: a step printing 100,000 lines must
  // not become 100,000 events.
  let pending: { stream: 'stdout' | 'stderr'; stepIndex: number; lines: string[] } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending && pending.lines.length > 0)
      run.emit({ type: 'log', stream: pending.stream, stepIndex: pending.stepIndex, lines: pending.lines });
    pending = undefined;
  };
  try {
    return await runner({
      steps: stepsToRun(request.pipeline, request.skipSteps),
      repoRoot: request.repoRoot,
      env: request.processEnv ?? process.env,
      variables: variableContext(request, record.id),
      signal,
      masker: run.masker,
      ...(record.logFile ? { logFile: record.logFile } : {}),
      onLine: (line) => {
        if (pending && (pending.stream !== line.stream || pending.stepIndex !== line.stepIndex)) flush();
        pending ??= { stream: line.stream, stepIndex: line.stepIndex, lines: [] };
        pending.lines.push(line.text);
        if (pending.lines.length >= 500) flush();
        else timer ??= setTimeout(flush, 50);
      },
      // Journalled as the step starts: if this process dies, the next run on this stack ends the
      // group it left (resumeInterrupted.ts) instead of leaving it running for good.
      onProcess: (stepIndex, group) => {
        const stepGroup = {
          stepIndex,
          pgid: group.pid,
          startTime: group.startTime,
          command: run.masker.mask(group.command).slice(0, 200),
          host: hostname(),
        };
        run
          .journal('step-started', { stepGroup })
          .catch((err: unknown) => ctx.logger.warn(`could not journal step ${stepIndex + 1}'s process: ${errorMessage(err)}`));
      },
      onStep: (event) => {
        flush();
        record.steps[event.stepIndex] = { ...event.step };
        const name = event.step.name;
        if (event.step.status === 'running') {
          started.set(event.stepIndex, Date.now());
          run.emit({ type: 'step-started', index: event.stepIndex, name });
          // Saved as it starts, so a run that dies mid-step leaves a record naming the step.
          void run.save().catch(() => undefined);
        } else if (event.step.status !== 'pending') {
          run.emit({
            type: 'step-finished',
            index: event.stepIndex,
            name,
            status: event.step.status,
            ...(event.step.exitCode !== undefined ? { exitCode: event.step.exitCode } : {}),
            durationMs: event.durationMs ?? Date.now() - (started.get(event.stepIndex) ?? Date.now()),
          });
          void run.save().catch(() => undefined);
        }
      },
    });
  } finally {
    flush();
  }
}
