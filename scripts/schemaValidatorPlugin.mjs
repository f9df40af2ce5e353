// An esbuild plugin: src/core/pipeline/schemaValidator.ts becomes the pipeline schema's validator
// compiled now, at build time (ajv's standalone code), with the options and keywords of
// schemaValidatorOptions.json. The bundles so never compile the schema when they run: a CLI
// command started to be refused at the stack lock would otherwise spend more time compiling it
// than on anything else before its first AWS call. From source, the module compiles it itself.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

/** @type {import('esbuild').Plugin} */
export const schemaValidatorPlugin = {
  name: 'deployguard-schema-validator',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]core[\\/]pipeline[\\/]schemaValidator\.ts$/ }, async (args) => {
      const dir = dirname(args.path);
      const schemaPath = join(dir, 'deployguard.schema.json');
      const optionsPath = join(dir, 'schemaValidatorOptions.json');
      const schema = JSON.parse(await readFile(schemaPath, 'utf8'));
      const settings = JSON.parse(await readFile(optionsPath, 'utf8'));
      const ajv = new Ajv({ ...settings.options, code: { source: true } });
      for (const keyword of settings.keywords) ajv.addKeyword(keyword);
      const validate = standaloneCode(ajv, ajv.compile(schema));
      // ajv's standalone module sets module.exports to the validator; ours exports schemaValidator().
      return {
        contents: `const validate = (() => { const module = { exports: {} }; const exports = module.exports; ${validate}\nreturn module.exports; })();\nexport function schemaValidator() { return validate; }\n`,
        loader: 'js',
        resolveDir: dir,
        watchFiles: [schemaPath, optionsPath],
      };
    });
  },
};
