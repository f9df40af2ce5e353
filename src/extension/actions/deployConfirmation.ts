import type { PlannedChange } from '../../core/events';
import type { RollbackRehearsal } from '../../core/rollback/rehearsal';
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

/** What the rollback rehearsal found, for the confirmation: its destructive steps, or that it could not be planned. */
export function rehearsalLines(rehearsal: RollbackRehearsal | undefined): string | undefined {
  if (!rehearsal) return undefined;
  if (rehearsal.failed) return `Rollback rehearsal: could not be planned (${rehearsal.failed}); a rollback may fail the same way.`;
  if (rehearsal.dangers.length === 0) return undefined;
  const lines = rehearsal.dangers.slice(0, 10).map((d) => `⚠ ${d.charAt(0).toUpperCase()}${d.slice(1)}`);
  if (rehearsal.dangers.length > 10) lines.push(`… and ${rehearsal.dangers.length - 10} more`);
  return ['If this deploy has to be rolled back:', ...lines].join('\n');
}
