export { GitRepository, commitInfo, newestBlamed } from './gitRepository';
export type { CommitInfo, CommitSummary, GitRepositoryOptions, PlannedCommit, PushResult } from './gitRepository';
export { PushRejectedError, parsePushRejection } from './pushRejected';
export type { PushRejectionReason } from './pushRejected';
export { parseStatusV2 } from './status';
export type { ChangeKind, FileChange, RepositoryStatus } from './status';
export { withTemporaryWorktree } from './worktree';
export { gitEnvironment, GIT_ENV_OVERRIDES } from './gitEnvironment';
export { readRef, resolveCommonDir } from './refs';
