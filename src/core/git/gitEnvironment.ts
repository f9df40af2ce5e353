/**
 * The environment every git process of Deploy Guard runs with.
 *
 * Git must never wait for a person: a credential prompt in a process nobody can see hangs the
 * deploy forever. So the terminal prompt is off, the askpass program is `echo` (it answers at
 * once, authentication fails, and the push reports it), Git Credential Manager is told never to
 * open a window, and the SSH askpass GUI is disabled. Stored credentials (keychain, GCM cache,
 * ssh-agent) keep working: only *asking* is switched off.
 */

/** Variables Deploy Guard sets itself; simple-git's environment guard must be told to allow them. */
export const GIT_ENV_OVERRIDES: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'echo',
  GCM_INTERACTIVE: 'never',
  SSH_ASKPASS_REQUIRE: 'never',
  // Stable, parseable messages regardless of the user's locale.
  LC_ALL: 'C',
};

/**
 * Ambient variables that could point git at another repository, prompt, or run a program.
 * simple-git strips GIT_* and a few others by itself; SSH_ASKPASS/DISPLAY-driven GUI prompts are
 * handled here too so the rule does not depend on a library default.
 */
const DROPPED = new Set(['SSH_ASKPASS', 'EDITOR', 'VISUAL', 'PAGER']);

/** The child environment: the base (default: this process's) without risky keys, plus the overrides. */
export function gitEnvironment(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if (upper.startsWith('GIT_') || DROPPED.has(upper)) continue;
    env[key] = value;
  }
  return { ...env, ...GIT_ENV_OVERRIDES };
}
