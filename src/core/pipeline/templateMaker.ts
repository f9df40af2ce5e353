/**
 * Which step makes the stack's template, for projects that do not commit a finished one
 * (`cdk synth` writes `cdk.out/`, a build script writes `build/`). Pure: reads the steps' text,
 * never the disk. Used by validation (to say "made by step Synth" instead of "does not exist")
 * and by the deploy (to name the step when the template was not made).
 */
import { posix } from 'node:path';
import type { StepConfig } from './types';

/** Folders well-known tools write, and the words in a step that run them. */
const TOOL_OUTPUTS: readonly { readonly folder: string; readonly command: RegExp }[] = [
  { folder: 'cdk.out', command: /\bcdk\s+(synth|synthesize|deploy)\b/ },
  { folder: '.aws-sam', command: /\bsam\s+build\b/ },
];

/** The template path as the steps would write it: forward slashes, no `./`. */
function normalise(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '');
}

/**
 * The step expected to make `template`: the last one whose command names the file, its folder,
 * or runs a tool that writes that folder (the last writer decides what is there when the steps
 * end). Undefined when no step obviously does; the template may still come from a script a step
 * runs.
 */
export function stepMakingTemplate(steps: readonly StepConfig[], template: string): StepConfig | undefined {
  const path = normalise(template);
  const folder = path.includes('/') ? path.slice(0, path.indexOf('/')) : undefined;
  const base = posix.basename(path);
  const mentions = (step: StepConfig): boolean => {
    const text = step.run;
    // The path as seen from the step's own folder, when the step runs in one.
    const fromCwd = step.cwd ? posix.relative(normalise(step.cwd), path) : path;
    if (text.includes(path) || text.includes(fromCwd) || text.includes(base)) return true;
    if (folder && folder !== '..' && new RegExp(`(^|[\\s'"=/])${escapeRegExp(folder)}([\\s'"/;]|$)`, 'm').test(text)) return true;
    return TOOL_OUTPUTS.some((tool) => path.startsWith(`${tool.folder}/`) && tool.command.test(text));
  };
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (mentions(step)) return step;
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** "step Synth" or "a step (Build, Test)": who is expected to make the template, for messages. */
export function makerWords(steps: readonly StepConfig[], template: string): string {
  const maker = stepMakingTemplate(steps, template);
  if (maker) return `step ${maker.name}`;
  return steps.length === 1 ? `step ${steps[0]!.name}` : `one of the steps (${steps.map((s) => s.name).join(', ')})`;
}
