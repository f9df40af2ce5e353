import type { Plugin } from 'esbuild';

/** See schemaValidatorPlugin.mjs: the pipeline schema's validator compiled at build time. */
export declare const schemaValidatorPlugin: Plugin;
