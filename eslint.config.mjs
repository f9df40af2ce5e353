// Lint rules that hold the architecture in place (see ARCHITECTURE.md, 'Layers'):
//  - src/core, src/shared, src/webview and the CLI never import `vscode`;
//  - only src/core/process/ starts processes (child_process is banned elsewhere in src/);
//  - the engine, the panel protocol and the CLI never import the editor layer or the webview;
//  - the AWS SDK is imported as a value only by src/core/aws/sdkModules.ts and the per-service
//    lists it imports, src/core/aws/sdkServices/ (their own lazily loaded bundle); everywhere
//    else `import type`;
//  - no default exports.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = {
  name: 'vscode',
  message: 'The engine, the CLI and the webview must not depend on VS Code: pass plain values in, emit events out.',
};
const noChildProcess = ['child_process', 'node:child_process'].map((name) => ({
  name,
  message: 'Start processes only through src/core/process/ (timeouts, process-group kill, masking).',
}));

const noEditorLayers = {
  group: ['**/extension/**', '**/webview/**'],
  message: 'The engine, the panel protocol and the CLI run without the editor: the editor layers depend on them, never the reverse.',
};
const noSdkValues = {
  group: ['@aws-sdk/*'],
  allowTypeImports: true,
  message: 'Load the AWS SDK through loadAwsSdk() (src/core/aws/sdk.ts); import its types with `import type`.',
};

export default tseslint.config(
  // test/fixtures/cdk-source: a CDK app's sources and tsc's output kept as made (they import aws-cdk-lib, not installed here).
  {
    ignores: [
      'dist/**',
      'dist-vsix/**',
      'node_modules/**',
      '.vscode-test/**',
      'test-artifacts/**',
      'examples/**',
      'test/fixtures/cdk-source/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Rules that need types: each file is checked with the tsconfig.json nearest to it (the webview's
  // own for src/webview/, the root one for src/, test/ and scripts/).
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A switch over a union names every member: a new status, event or trigger is a compile-time
      // decision at each switch, never a silent `default:`.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/process/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: noChildProcess }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'src/webview/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts'],
    ignores: ['src/core/process/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noVscode, ...noChildProcess] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/aws/sdkModules.ts', 'src/core/aws/sdkServices/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [noSdkValues] }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts'],
    ignores: ['src/core/aws/sdkModules.ts', 'src/core/aws/sdkServices/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [noSdkValues, noEditorLayers] }],
    },
  },
  {
    files: ['src/core/process/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noVscode] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
      },
    },
  },
);
