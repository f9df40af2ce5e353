import type { AwsClients } from '../aws/clients';
import type { StackLock, LockOptions } from '../history/lock';
import type { StackHistory } from '../history/backend';
import type { EnvironmentConfig } from '../pipeline/types';
import { openStackHistory, type AwsSelection } from './awsSelection';
import type { EngineContext } from './engineContext';

/** The stack's history and clients, with its lock held, for the span of `work`. */
export interface LockedStack {
  readonly stackHistory: StackHistory;
  readonly clients: AwsClients;
  readonly env: EnvironmentConfig;
  readonly lock: StackLock;
}

/**
 * Opens the environment's stack history, takes its lock, runs `work`, then releases the lock and
 * disposes the clients whatever happens: a rollback or recover must never leave the stack locked
 * for the next deploy. (A deploy takes its lock itself: it checks the template before any AWS call.)
 */
export async function withStackLock<T>(
  ctx: EngineContext,
  selection: AwsSelection,
  lockOptions: LockOptions,
  signal: AbortSignal,
  work: (locked: LockedStack) => Promise<T>,
): Promise<T> {
  const { stackHistory, clients, env } = await openStackHistory(ctx, selection, signal);
  try {
    const lock = await stackHistory.acquireLock(lockOptions);
    try {
      return await work({ stackHistory, clients, env, lock });
    } finally {
      await lock.release();
    }
  } finally {
    clients.dispose();
  }
}
