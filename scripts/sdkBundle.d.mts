/** See sdkBundle.mjs: how dist/aws-sdk.js is built (the SDK's ES modules, tree-shaken). */
export declare const sdkBundleOptions: { readonly entryPoints: string[]; readonly mainFields: string[] };
