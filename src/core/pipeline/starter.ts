/**
 * The commented starter file written by "Deploy Guard: Create Pipeline File". It is valid as
 * written once the template exists, and every key it shows is explained in place.
 */
export interface StarterOptions {
  /** Pipeline and stack base name, e.g. the folder name. */
  readonly name: string;
  /** Template path relative to the repository root. */
  readonly template: string;
  readonly region?: string;
}

/** Lower-case letters, digits and hyphens, starting with a letter: safe in a stack name. */
export function stackSafeName(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/-{2,}/g, '-');
  const name = /^[a-z]/.test(cleaned) ? cleaned : `app-${cleaned}`.replace(/-$/, '');
  return name.slice(0, 100) || 'app';
}

export function starterPipeline(options: StarterOptions): string {
  const name = stackSafeName(options.name);
  const region = options.region ?? 'eu-west-1';
  const template = /^[\w./-]+$/.test(options.template) ? options.template : JSON.stringify(options.template);
  return `# Deploy Guard pipeline: runs the steps, deploys the stack through a change set, then
# watches the guarded alarms and rolls back to the last stable version if one fires.
# Reference: https://github.com/deployguard/deploy-guard#deployguardyaml
version: 1
name: ${name}

# Run in order with bash in the repository root; a failing step stops the run before any deploy.
# Variables (\${env.name}, \${git.sha}, \${git.shortSha}, \${git.branch}, \${deployment.id},
# \${env:VAR}) reach steps as environment variables (DEPLOYGUARD_ENV, DEPLOYGUARD_GIT_SHA, ...).
steps:
  - name: Test
    run: echo "replace with your build and test commands"
    timeout: 10m

# The CloudFormation stack to deploy.
stack:
  name: ${name}-\${env.name}
  template: ${template}
  # templateBucket: my-artifacts     # needed for templates over 51,200 bytes
  # parameters: { Version: "\${git.shortSha}" }
  # capabilities: [CAPABILITY_IAM]

environments:
  dev:
    region: ${region}
    # deployOn: [save]               # redeploy on save (dev stacks only)
  # prod:
  #   region: ${region}
  #   branch: main
  #   deployOn: [push]               # a push of main deploys prod (always confirmed)
  #   health:
  #     alarms: [${name}-prod-errors] # CloudWatch alarms that guard the deploy
  #     bake: 10m                    # watch this long after the update
  #     rollback: auto               # auto | prompt | off
`;
}
