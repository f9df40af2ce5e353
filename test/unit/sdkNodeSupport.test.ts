import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MIN_NODE_MAJOR } from '../../src/cli/main';

// The AWS SDK releases published from January 2027 need Node 22, while the CLI supports Node 20
// and the extension VS Code 1.90+ (whose extension host is Node 20 before VS Code 1.101). Until
// those minimums move, no SDK package may come in that refuses them: the clients are pinned to
// exact versions, and every SDK package the lockfile resolves must accept the CLI's oldest Node.
interface LockEntry {
  readonly version?: string;
  readonly engines?: { readonly node?: string };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };

/** The lowest major a `>=N…` engines range admits (the only form the SDK uses); undefined for any other form. */
function lowestMajor(range: string): number | undefined {
  const match = /^>=\s*(\d+)(\.\d+){0,2}$/.exec(range.trim());
  return match ? Number(match[1]) : undefined;
}

describe('AWS SDK and the supported Node', () => {
  it('pins every @aws-sdk client to an exact version', () => {
    const clients = Object.entries(manifest.dependencies).filter(([name]) => name.startsWith('@aws-sdk/'));
    assert.ok(clients.length > 0);
    for (const [name, range] of clients) assert.match(range, /^\d+\.\d+\.\d+$/, `${name} is "${range}", not an exact version`);
  });

  it(`resolves only SDK packages that run on Node ${MIN_NODE_MAJOR}`, () => {
    const sdk = Object.entries(lock.packages).filter(([path]) => /node_modules\/@(aws-sdk|smithy|aws-crypto)\/[^/]+$/.test(path));
    assert.ok(sdk.length > 10, `only ${sdk.length} SDK packages in package-lock.json`);
    for (const [path, entry] of sdk) {
      const range = entry.engines?.node;
      if (range === undefined) continue;
      const lowest = lowestMajor(range);
      assert.ok(lowest !== undefined, `${path}@${entry.version}: engines.node "${range}" is not a ">=N" range; check it by hand`);
      assert.ok(lowest <= MIN_NODE_MAJOR, `${path}@${entry.version} needs Node ${range}, but the CLI supports Node ${MIN_NODE_MAJOR}`);
    }
  });
});
