// The settings a benchmark's main file runs with, chosen by its .mjs wrapper from the command line
// (support/command.mjs: the full or the --quick form, positional overrides) and handed over as JSON
// in one environment variable. Checked against the shape the main file expects, so a wrapper and
// its main file that disagree fail at once instead of running with NaN trials.

type Kind = 'number' | 'string';
type Value<K extends Kind> = K extends 'number' ? number : string;

const SETTINGS_VARIABLE = 'DEPLOYGUARD_BENCH_SETTINGS';

export function benchSettings<S extends Record<string, Kind>>(shape: S): { readonly [K in keyof S]: Value<S[K]> } {
  const raw = process.env[SETTINGS_VARIABLE];
  if (raw === undefined) throw new Error(`no ${SETTINGS_VARIABLE}: run a benchmark through its wrapper, npm run bench -- NAME [--quick]`);
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  for (const [name, kind] of Object.entries(shape)) {
    if (typeof parsed[name] !== kind) throw new Error(`benchmark setting ${name} is ${JSON.stringify(parsed[name])}, expected a ${kind}`);
  }
  return parsed as { readonly [K in keyof S]: Value<S[K]> };
}
