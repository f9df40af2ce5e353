/** AWS console links for a run (pure; the host opens them with `env.openExternal`). */

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function stackConsoleUrl(region: string, stack: string, stackId?: string): string | undefined {
  if (!REGION.test(region)) return undefined;
  const id = encodeURIComponent(stackId ?? stack);
  return `https://${region}.console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/stackinfo?stackId=${id}`;
}

export function alarmConsoleUrl(region: string, alarm: string): string | undefined {
  if (!REGION.test(region)) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm)}`;
}
