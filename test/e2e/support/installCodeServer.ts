import { codeServerDir, ensureCodeServer } from './codeServer';

// `node --import tsx test/e2e/support/installCodeServer.ts`: installs (or finds) the cached
// code-server before the tests, so CI shows the install as its own step. The tests call
// ensureCodeServer() themselves too, so running this is never required.
ensureCodeServer().then(
  (binary) => console.log(`code-server ready: ${binary} (cache ${codeServerDir()})`),
  (err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  },
);
