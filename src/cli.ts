import * as nodeModule from 'node:module';
import { isSdkNodeVersionWarning, runCli } from './cli/main';

// On Node 22.1 and later, V8's code for what loads next (the AWS SDK bundle, over 800 KB) is kept
// between runs in Node's own cache (the system temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it
// off): a CLI run is short and would otherwise compile that bundle every time. Older Node has no
// such cache and loads as before.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// The headless entry point: wires the real process to runCli and turns signals into an abort,
// so a Ctrl+C stops steps and pollers cleanly instead of killing them mid-write.
// The AWS SDK warns on every run under Node < 22 that its releases after January 2027 need Node
// 22 (process.emitWarning with a message starting "NodeVersionSupportWarning", so the warning's
// name is the generic "Warning"). That is for whoever upgrades the SDK, not for someone deploying,
// and the CLI's Node range is decided with the SDK version it bundles: drop that one warning and
// print every other. Its own switch, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, is not set
// instead: as an environment variable it would leak into every pipeline step.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!isSdkNodeVersionWarning(warning)) process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const controller = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  });
}

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  isTty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`deployguard: internal error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
