// Builds the bundles with esbuild:
//   dist/extension.js  — what VS Code loads at activation; small, no AWS SDK, `vscode` external
//   dist/engine.js     — src/core (the engine), required by the extension on first use
//   dist/aws-sdk.js    — the AWS SDK, required by the engine on the first AWS call
//   dist/pipeline.js   — the pipeline-file validator for the editor, required when a deployguard.yaml opens
//   dist/cli.js        — the same engine headless, with a shebang
//   dist/webview/      — the run panel's browser bundle
// Flags: --production (minify, no source maps), --watch.
import * as esbuild from 'esbuild';
import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import { schemaValidatorPlugin } from './schemaValidatorPlugin.mjs';
import { sdkBundleOptions } from './sdkBundle.mjs';

const production = process.argv.includes('--production');
const { version } = JSON.parse(await readFile('package.json', 'utf8'));
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

// The pipeline schema's validator is compiled here, once, not by every command that reads a
// deployguard.yaml (schemaValidatorPlugin.mjs).
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', plugins: [schemaValidatorPlugin] };

// Node bundles that may reach AWS load the SDK from its own bundle, dist/aws-sdk.js, on the
// first AWS call (src/core/aws/sdk.ts); the define lets esbuild drop the from-source branch.
const lazySdk = {
  external: ['vscode', './aws-sdk.js'],
  define: { 'process.env.DEPLOYGUARD_BUNDLED_SDK': '"yes"' },
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...node,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    // `./engine.js` is the lazily required engine bundle: keeping it external is what keeps
    // the AWS SDK out of the activation path. `./pipeline.js` (yaml, ajv, the validator) is
    // required the first time a deployguard.yaml is opened.
    external: ['vscode', './engine.js', './pipeline.js'],
    metafile: true,
  },
  { ...node, ...lazySdk, entryPoints: { engine: 'src/core/index.ts' }, outdir: 'dist' },
  { ...node, ...sdkBundleOptions, entryPoints: { 'aws-sdk': sdkBundleOptions.entryPoints[0] }, outdir: 'dist' },
  { ...node, entryPoints: { pipeline: 'src/extension/pipeline/pipelineTools.ts' }, outdir: 'dist', external: ['vscode'] },
  {
    ...node,
    ...lazySdk,
    entryPoints: { cli: 'src/cli.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
    define: { ...lazySdk.define, DEPLOYGUARD_VERSION: JSON.stringify(version) },
  },
  {
    ...common,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    entryPoints: { main: 'src/webview/main.ts' },
    outdir: 'dist/webview',
  },
];

await mkdir('dist', { recursive: true });
// The pipeline file's JSON Schema: the engine validates with it, and package.json's
// yamlValidation/jsonValidation hand it to YAML- and JSON-aware editors from dist/.
await copyFile('src/core/pipeline/deployguard.schema.json', 'dist/deployguard.schema.json');

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((ctx) => ctx.watch()));
  console.log('[watch] building; press Ctrl+C to stop');
} else {
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  await chmod('dist/cli.js', 0o755);
  const extensionBytes = Object.values(results[0].metafile.outputs).find((o) => o.entryPoint)?.bytes;
  console.log(`built dist/ (${production ? 'production' : 'development'}); extension.js ${extensionBytes} bytes`);
}
