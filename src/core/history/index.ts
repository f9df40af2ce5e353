export * from './record';
export { HistoryStore, StackHistory, type HistoryListing } from './store';
export { Journal, ownerTag } from './journal';
export { acquireStackLock, isStale, readLock, type LockInfo, type LockOptions, type StackLock } from './lock';
export { deployGuardHome, newDeploymentId, isDeploymentId } from './paths';
export { writeFileAtomic } from './atomicFile';
