import { isSdkNodeVersionWarning, runCli } from './cli/main';

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
