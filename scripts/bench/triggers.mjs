// `npm run bench -- triggers [pushes] [--quick]`: how fast the push trigger notices a `git push`
// (push exit → deploy callback, p50/p95), how a burst of saves coalesces (saves → deploys, last
// save → deploy start), and what the CLI watcher costs on a repository with a large ignored tree.
// The work is in triggersMain.ts, run under tsx because it drives the triggers from their sources.
import { runBench } from './support/command.mjs';

runBench(import.meta.url, {
  full: { pushes: 20, saves: 100, ignoredPackages: 2000, otherFolders: 50 },
  quick: { pushes: 2, saves: 10, ignoredPackages: 100, otherFolders: 5 },
  positional: ['pushes'],
  main: 'triggersMain.ts',
});
