import { codeServerDir, E2E_HOSTS, ensureHost, type E2eHostName } from './codeServer';

// `node --import tsx test/e2e/support/installCodeServer.ts [oldest|newest …]`: installs (or finds)
// the cached e2e hosts (all of them by default, one after the other) before the tests, so CI shows
// the install as its own step. The tests call ensureHost() themselves too, so running this is
// never required.
async function main(names: readonly string[]): Promise<void> {
  const unknown = names.filter((n) => !(n in E2E_HOSTS));
  if (unknown.length > 0) throw new Error(`unknown e2e host ${unknown.join(', ')}: use ${Object.keys(E2E_HOSTS).join(' or ')}`);
  const chosen = names.length > 0 ? (names as E2eHostName[]) : (Object.keys(E2E_HOSTS) as E2eHostName[]);
  for (const name of chosen) {
    const started = Date.now();
    const { host, node, entry } = await ensureHost(E2E_HOSTS[name]);
    console.log(
      `e2e host ${name} ready in ${Math.round((Date.now() - started) / 1000)} s: code-server ${host.codeServerVersion} ` +
        `(VS Code ${host.vscodeVersion}) on node ${host.nodeVersion ?? process.versions.node} (${node}); ${entry} (cache ${codeServerDir(host)})`,
    );
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
