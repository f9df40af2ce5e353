import type { PlannedChange } from '../../core/events';
import type { EnvironmentConfig } from '../../core/pipeline/types';

/** Environments that ask before their stack changes: `confirm: true`, or any name starting with prod. */
export function needsConfirmation(env: EnvironmentConfig): boolean {
  return env.confirm || env.name.toLowerCase().startsWith('prod');
}

/** One line per planned change, replacements loudly. */
export function changeSummary(changes: readonly PlannedChange[]): string {
  if (changes.length === 0) return 'No resource changes.';
  const lines = changes.slice(0, 15).map((c) => {
    const replace =
      c.replacement === 'True' ? '  ⚠ REPLACED (deleted and recreated)' : c.replacement === 'Conditional' ? '  (may be replaced)' : '';
    return `${c.action} ${c.logicalId} (${c.resourceType})${replace}`;
  });
  if (changes.length > 15) lines.push(`… and ${changes.length - 15} more`);
  return lines.join('\n');
}
