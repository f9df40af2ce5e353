/**
 * Values built from `${env:VAR}` (whole or part) are secrets: history keeps where such a value
 * came from and a fingerprint of it, never the value, and a redeploy reads it again from the
 * environment and proves it is the same value before sending it.
 */
import { createHash } from 'node:crypto';
import type { EnvSourced } from '../history/record';
import { findVariables, resolveVariables, type VariableContext } from '../pipeline/variables';

/**
 * The fingerprint of a secret value: sha256 over the key it is set under and the value, hex. The
 * key is part of it so that one value under two keys does not show as one fingerprint.
 */
export function secretFingerprint(key: string, value: string): string {
  return createHash('sha256').update(`deployguard-secret\0${key}\0${value}`, 'utf8').digest('hex');
}

/**
 * What a record keeps of a value written as `text` in deployguard.yaml: undefined when it has no
 * `${env:VAR}` (it is kept in clear); otherwise the variables, the text with only its built-in
 * variables resolved, and the fingerprint of `value` (what `text` resolved to).
 */
export function envSourced(key: string, text: string, value: string, ctx: VariableContext): EnvSourced | undefined {
  const refs = findVariables(text, 'value');
  const fromEnv = [...new Set(refs.filter((r) => r.kind === 'process-env').map((r) => r.name))];
  if (fromEnv.length === 0) return undefined;
  let source = '';
  let last = 0;
  for (const ref of refs) {
    // Built-ins resolve as they did (their values are not secret); `${env:VAR}` stays a reference.
    source += text.slice(last, ref.index) + (ref.kind === 'process-env' ? ref.text : resolveVariables(ref.text, ctx));
    last = ref.index + ref.text.length;
  }
  source += text.slice(last);
  return { fromEnv, source, sha256: secretFingerprint(key, value) };
}

/** Each key of `texts` whose value holds an `${env:VAR}`, with what a record keeps of it. */
export function envSourcedValues(
  texts: Readonly<Record<string, string>>,
  values: Readonly<Record<string, string>>,
  ctx: VariableContext,
): Map<string, EnvSourced> {
  const out = new Map<string, EnvSourced>();
  for (const [key, text] of Object.entries(texts)) {
    const value = values[key];
    const sourced = value === undefined ? undefined : envSourced(key, text, value, ctx);
    if (sourced) out.set(key, sourced);
  }
  return out;
}

export type EnvValue =
  | { readonly kind: 'value'; readonly value: string }
  /** Variables the value needs that are not set now. */
  | { readonly kind: 'unset'; readonly names: readonly string[] }
  /** Every variable is set, but the value they make is not the recorded one. */
  | { readonly kind: 'different' };

/** The recorded value built again from the environment now, checked against its fingerprint. */
export function envValueAgain(key: string, sourced: EnvSourced, processEnv: NodeJS.ProcessEnv): EnvValue {
  const unset = sourced.fromEnv.filter((name) => processEnv[name] === undefined);
  if (unset.length > 0) return { kind: 'unset', names: unset };
  let value = '';
  let last = 0;
  for (const ref of findVariables(sourced.source, 'value')) {
    if (ref.kind !== 'process-env') continue; // text a built-in resolved to, kept as it was
    value += sourced.source.slice(last, ref.index) + (processEnv[ref.name] ?? '');
    last = ref.index + ref.text.length;
  }
  value += sourced.source.slice(last);
  return secretFingerprint(key, value) === sourced.sha256 ? { kind: 'value', value } : { kind: 'different' };
}

/** "$A" or "$A and $B": the variables as a person sets them. */
export function variableWords(names: readonly string[]): string {
  const all = names.map((n) => `$${n}`);
  return all.length <= 1 ? (all[0] ?? '') : `${all.slice(0, -1).join(', ')} and ${all[all.length - 1]}`;
}

/** The EnvSourced part of a parameter record, when it has one. */
export function envSourcedOf(p: Partial<EnvSourced>): EnvSourced | undefined {
  return p.fromEnv !== undefined && p.source !== undefined && p.sha256 !== undefined
    ? { fromEnv: p.fromEnv, source: p.source, sha256: p.sha256 }
    : undefined;
}

/** Whether `value` is the value a record fingerprinted under `key`. */
export function sameSecret(key: string, sourced: EnvSourced, value: string | undefined): boolean {
  return value !== undefined && secretFingerprint(key, value) === sourced.sha256;
}
