/**
 * A file-system failure in the history folder, said so a person can act on it: which folder, what
 * the system refused, and the fix. The errno alone ("EROFS: read-only file system, open …") says
 * none of that.
 */
import { DeployGuardError } from '../errors';

const WHY: Readonly<Record<string, { readonly what: string; readonly fix: (folder: string) => string }>> = {
  ENOSPC: {
    what: 'the disk is full',
    fix: () => 'free some disk space (or set DEPLOYGUARD_HOME to a folder on another disk) and try again',
  },
  EDQUOT: {
    what: 'your disk quota is used up',
    fix: () => 'free some space in your quota (or set DEPLOYGUARD_HOME elsewhere) and try again',
  },
  EROFS: { what: 'the disk is read-only', fix: () => 'set DEPLOYGUARD_HOME to a folder on a writable disk' },
  EACCES: {
    what: 'permission was denied',
    fix: (folder) => `make ${folder} writable by you (e.g. chown -R "$USER" ${folder}), or set DEPLOYGUARD_HOME to a folder you own`,
  },
  EPERM: {
    what: 'the operation was not permitted',
    fix: (folder) =>
      `make ${folder} writable by you (check its owner, and that no other program holds it), or set DEPLOYGUARD_HOME to a folder you own`,
  },
};

/** A full or read-only disk or a permission refusal: as an errno, or already explained. */
export function isStorageFailure(err: unknown): boolean {
  if (DeployGuardError.is(err)) return err.code === 'HistoryUnwritable';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(WHY, code);
}

/**
 * `err` as a HistoryUnwritable error naming `folder` when it is a storage failure (full disk,
 * read-only disk, permissions); otherwise `err` itself.
 */
export function storageFailure(err: unknown, folder: string, doing: string): unknown {
  if (DeployGuardError.is(err) || !isStorageFailure(err)) return err;
  const code = (err as NodeJS.ErrnoException).code!;
  const why = WHY[code]!;
  return new DeployGuardError('HistoryUnwritable', `Cannot ${doing} in ${folder}: ${why.what} (${code})`, {
    cause: err,
    hint: why.fix(folder),
  });
}
