/**
 * Who is deploying: a person at a machine (`user@host`), or a CI run named by the variables its
 * runner sets (GitHub Actions, GitLab CI, CodeBuild, Jenkins), with the run's URL. Written into
 * every lock so a refused deploy, the tree and the status bar can say who holds the stack.
 * Pure: the environment, user and host are arguments.
 */
import { hostname, userInfo } from 'node:os';

export interface HolderIdentity {
  /** `CI run 4711` or `ana@laptop`. */
  readonly name: string;
  /** The CI run's page, when the runner says where it is. */
  readonly url?: string;
  /** `GitHub Actions`, `GitLab CI`, `CodeBuild`, `Jenkins`; absent for a person. */
  readonly ci?: string;
}

// Values come from the environment: kept short and free of control characters (terminals print them).
const clean = (value: string | undefined): string | undefined => {
  const text =
    value === undefined
      ? undefined
      : [...value]
          .filter((c) => !isControl(c.codePointAt(0) ?? 0))
          .join('')
          .trim();
  return text ? text.slice(0, 200) : undefined;
};

export function holderIdentity(
  env: NodeJS.ProcessEnv = process.env,
  user: string = currentUser(),
  host: string = hostname(),
): HolderIdentity {
  const v = (name: string) => clean(env[name]);
  const ci = (system: string, run: string | undefined, url: string | undefined): HolderIdentity | undefined =>
    run ? { name: `CI run ${run}`, ci: system, ...(url ? { url } : {}) } : undefined;

  const found =
    (v('GITHUB_ACTIONS') === 'true'
      ? ci(
          'GitHub Actions',
          v('GITHUB_RUN_ID'),
          v('GITHUB_REPOSITORY') && v('GITHUB_RUN_ID')
            ? `${(v('GITHUB_SERVER_URL') ?? 'https://github.com').replace(/\/+$/, '')}/${v('GITHUB_REPOSITORY')}/actions/runs/${v('GITHUB_RUN_ID')}`
            : undefined,
        )
      : undefined) ??
    (v('GITLAB_CI') ? ci('GitLab CI', v('CI_JOB_ID'), v('CI_JOB_URL')) : undefined) ??
    ci('CodeBuild', v('CODEBUILD_BUILD_ID'), v('CODEBUILD_BUILD_URL')) ??
    (v('JENKINS_URL') ? ci('Jenkins', v('BUILD_NUMBER'), v('BUILD_URL')) : undefined);
  return found ?? { name: `${clean(user) ?? 'someone'}@${clean(host) ?? 'unknown-host'}` };
}

/** `ana@laptop`, or `CI run 4711 (GitHub Actions, https://…)`: who started a deployment, in one line. */
export function identityWords(who: HolderIdentity): string {
  const about = [who.ci, who.url].filter((part): part is string => part !== undefined);
  return about.length > 0 ? `${who.name} (${about.join(', ')})` : who.name;
}

/** `CI run 4711 (https://…)` or `ana@laptop`: how refusals and views name a holder. */
export function holderWords(holder: { readonly by?: string; readonly byUrl?: string }): string | undefined {
  if (!holder.by) return undefined;
  return holder.byUrl ? `${holder.by} (${holder.byUrl})` : holder.by;
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the variables are the next best name.
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'someone';
  }
}
