/**
 * The pipeline schema's validator. From source (tests, tsx) it is compiled here on first use. The
 * bundles replace this module with the same validator compiled when they are built
 * (scripts/schemaValidatorPlugin.mjs, from the same schema and schemaValidatorOptions.json): a
 * command never spends the tens of milliseconds compiling a schema costs, which a CLI pays before
 * its first AWS call.
 */
import Ajv, { type KeywordDefinition, type ValidateFunction } from 'ajv';
import schema from './deployguard.schema.json';
import settings from './schemaValidatorOptions.json';

let compiled: ValidateFunction | undefined;

export function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv(settings.options);
    // VS Code's JSON-schema extension keyword (patternErrorMessage): editors show it, and so do we.
    for (const keyword of settings.keywords) ajv.addKeyword(keyword as KeywordDefinition);
    compiled = ajv.compile(schema);
  }
  return compiled;
}
