import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Commands } from '../../src/extension/commands';

interface Manifest {
  activationEvents: string[];
  engines: { vscode: string };
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, { command: string }[]>;
    views: Record<string, { id: string }[]>;
    configuration: { properties: Record<string, unknown> };
  };
  capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations: string[] } };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;
const declared = manifest.contributes.commands.map((c) => c.command).sort();

// Every source file registering a command must use the typed table (checked here as text so a
// stray string id fails the suite rather than the user).
describe('package.json manifest', () => {
  it('declares exactly the commands in the typed Commands table', () => {
    assert.deepEqual(declared, Object.values(Commands).sort());
  });

  it('menus only reference declared commands', () => {
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) assert.ok(declared.includes(item.command), `${menu} → ${item.command}`);
    }
  });

  it('never activates on startup or on "*"', () => {
    for (const event of manifest.activationEvents) {
      assert.notEqual(event, '*');
      assert.ok(!event.startsWith('onStartupFinished'), event);
    }
    assert.ok(manifest.activationEvents.includes('workspaceContains:deployguard.yaml'));
  });

  it('targets VS Code 1.90+ with @types/vscode no newer than 1.100', () => {
    assert.equal(manifest.engines.vscode, '^1.90.0');
    const types = manifest.devDependencies['@types/vscode']!.replace(/^[\^~]/, '');
    const [major, minor] = types.split('.').map(Number);
    assert.ok(major === 1 && minor! <= 100, types);
  });

  it('supports untrusted workspaces only in limited mode, with security settings restricted', () => {
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    for (const key of ['deployGuard.endpoint', 'deployGuard.profile', 'deployGuard.historyFolder']) {
      assert.ok(trust.restrictedConfigurations.includes(key), key);
      assert.ok(key in manifest.contributes.configuration.properties, key);
    }
  });

  it('the team history location is a user setting a repository cannot set (machine scope, restricted)', () => {
    const props = manifest.contributes.configuration.properties as Record<string, { scope?: string }>;
    assert.equal(props['deployGuard.history']?.scope, 'machine');
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('deployGuard.history'));
  });

  it('contributes the Deployments view', () => {
    const ids = Object.values(manifest.contributes.views)
      .flat()
      .map((v) => v.id);
    assert.ok(ids.includes('deployGuard.deployments'));
  });
});
