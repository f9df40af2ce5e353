import type { PlannedChange } from '../../core/events';
export { needsConfirmation } from '../../core/pipeline/confirmation';

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
