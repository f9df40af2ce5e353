import type { ErrorObject } from 'ajv';
import type { Document } from 'yaml';
import { didYouMean } from './didYouMean';
import { describePath, locate, parseInstancePath, rangeOf, type PathSegment } from './locate';
import type { ProblemList } from './problems';
import schema from './deployguard.schema.json';
import { schemaValidator } from './schemaValidator';

/** The JSON Schema that also ships to editors as dist/deployguard.schema.json. */
export const pipelineSchema: unknown = schema;

type Json = Record<string, unknown>;

function allowedKeys(parentSchema: unknown): string[] {
  const props = (parentSchema as Json | undefined)?.properties;
  return props && typeof props === 'object' ? Object.keys(props) : [];
}

function typeName(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `a string ("${value.length > 30 ? `${value.slice(0, 30)}…` : value}")`;
  return `a ${typeof value} (${String(value)})`;
}

function expected(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  const names = types.map((t) =>
    t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'a whole number' : `a ${String(t)}`,
  );
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** Where an object-level problem (unknown or missing key) is best shown. */
function what(path: readonly PathSegment[]): string {
  if (path.length === 0) return 'at the top level';
  if (path.length === 2 && path[0] === 'environments') return `in environment "${String(path[1])}"`;
  if (path.length === 2 && path[0] === 'steps') return `in step ${Number(path[1]) + 1}`;
  return `in ${describePath(path)}`;
}

/** Checks the plain value against the schema and reports each error at its YAML position. */
export function checkAgainstSchema(doc: Document, value: unknown, problems: ProblemList): void {
  const validate = schemaValidator();
  if (validate(value)) return;
  const errors = validate.errors ?? [];
  for (let i = 0; i < errors.length; i++) {
    // Locating a node is linear in its map; stop once nothing more would be shown.
    if (problems.full) {
      problems.drop(errors.length - i);
      return;
    }
    report(doc, errors[i]!, problems);
  }
}

function report(doc: Document, err: ErrorObject, problems: ProblemList): void {
  const path = parseInstancePath(err.instancePath);
  const name = describePath(path);
  const here = locate(doc, path);
  const valueRange = rangeOf(here.value) ?? rangeOf(here.key) ?? rangeOf(here.nearest);
  const params = err.params as Json;

  // propertyNames failures come first as the inner error, naming the key.
  if (err.propertyName !== undefined) {
    const keyAt = locate(doc, [...path, err.propertyName]);
    const hint = (err.parentSchema as Json | undefined)?.patternErrorMessage;
    problems.add(
      rangeOf(keyAt.key) ?? valueRange,
      `${name}: "${err.propertyName}" is not a valid name: ${typeof hint === 'string' ? hint : (err.message ?? '')}`,
      'bad-name',
    );
    return;
  }

  switch (err.keyword) {
    case 'propertyNames':
      return; // already reported through the inner error
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const keyAt = locate(doc, [...path, key]);
      problems.add(
        rangeOf(keyAt.key) ?? valueRange,
        `unknown key "${key}" ${what(path)}${didYouMean(key, allowedKeys(err.parentSchema))}`,
        'unknown-key',
      );
      return;
    }
    case 'required': {
      const key = String(params.missingProperty);
      const example = key === 'region' ? ' (e.g. region: eu-west-1)' : '';
      // Point at the key that owns the mapping (e.g. `dev:`), or the file start for the top level.
      problems.add(
        rangeOf(here.key) ?? (path.length === 0 ? [0, 1] : valueRange),
        `missing required key "${key}" ${what(path)}${example}`,
        'missing-key',
      );
      return;
    }
    case 'type': {
      const hint = (err.parentSchema as Json | undefined)?.patternErrorMessage;
      if (typeof hint === 'string' && hint.startsWith('a duration')) {
        problems.add(valueRange, `${name}: bad duration ${JSON.stringify(err.data)}: ${hint}`, 'bad-duration');
        return;
      }
      problems.add(valueRange, `${name} must be ${expected(params.type)}, not ${typeName(err.data)}`, 'wrong-type');
      return;
    }
    case 'const':
      if (path.length === 1 && path[0] === 'version') {
        problems.add(valueRange, `unsupported version ${JSON.stringify(err.data)}: this Deploy Guard reads version: 1`, 'bad-version');
        return;
      }
      problems.add(valueRange, `${name} must be ${JSON.stringify(params.allowedValue)}, not ${typeName(err.data)}`, 'bad-value');
      return;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const given = String(err.data);
      problems.add(valueRange, `${name}: "${given}" is not one of ${allowed.join(', ')}${didYouMean(given, allowed)}`, 'bad-value');
      return;
    }
    case 'pattern': {
      const hint = (err.parentSchema as Json | undefined)?.patternErrorMessage;
      const isDuration = typeof hint === 'string' && hint.startsWith('a duration');
      problems.add(
        valueRange,
        isDuration
          ? `${name}: bad duration "${String(err.data)}": ${hint}`
          : `${name}: "${String(err.data)}" is not valid: ${typeof hint === 'string' ? hint : `must match ${String(params.pattern)}`}`,
        isDuration ? 'bad-duration' : 'bad-value',
      );
      return;
    }
    case 'minItems':
      problems.add(
        valueRange,
        path.length === 1 && path[0] === 'steps'
          ? 'steps is empty: add at least one step, or remove the "steps" key'
          : `${name} must not be empty`,
        'empty',
      );
      return;
    case 'minProperties':
      problems.add(valueRange, `${name} must not be empty`, 'empty');
      return;
    case 'minLength':
      problems.add(valueRange, `${name} must not be empty`, 'empty');
      return;
    case 'maxLength':
      problems.add(valueRange, `${name} is too long (at most ${String(params.limit)} characters)`, 'too-long');
      return;
    case 'uniqueItems':
      problems.add(valueRange, `${name} lists the same item twice`, 'duplicate-item');
      return;
    case 'minimum':
    case 'maximum':
      problems.add(
        valueRange,
        `${name} must be ${err.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}`,
        'out-of-range',
      );
      return;
    default:
      problems.add(valueRange, `${name} ${err.message ?? 'is not valid'}`, 'schema');
  }
}
