/**
 * Process-group helpers. A child started with `detached: true` leads its own group whose id is
 * its pid, so signalling `-pid` reaches it and every descendant that did not leave the group.
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone. EPERM cannot happen for our own children.
  }
}

export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
