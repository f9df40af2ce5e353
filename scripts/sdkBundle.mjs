// How dist/aws-sdk.js is built, shared by scripts/build.mjs and the benchmarks that bundle the CLI
// the way `npm run package` does. The SDK packages' ES modules ("module") are bundled, not their
// one-file CommonJS builds ("main"): imported statically (sdkModules.ts), esbuild then keeps only
// the clients and commands that src/core/aws/sdkServices names (the packages declare no side
// effects), so the bundle parses and runs in less time.
export const sdkBundleOptions = {
  entryPoints: ['src/core/aws/sdkModules.ts'],
  mainFields: ['module', 'main'],
};
