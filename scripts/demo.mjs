// `npm run demo`: Deploy Guard on a local AWS emulator in a real VS Code, for someone who just
// cloned the repository. `npm run demo -- --scenario` plays the whole story in the terminal.
// The work is in scripts/demo/*.ts, loaded through tsx (a dev dependency `npm install` brings).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

// Every path in the demo is relative to the repository root, wherever it is started from.
// The AWS SDK's notice that its 2027 releases need Node 22 is not part of the story.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
const { main } = await tsImport('./demo/main.ts', import.meta.url);
// exit() rather than exitCode: a keep-alive socket of an AWS client must not hold the demo open.
process.exit(await main(process.argv.slice(2)));
