/**
 * Following the nested stacks of an operation: CloudFormation reports a nested stack's resources
 * only in that stack's own events, so the parent's events say "Database UPDATE_FAILED: embedded
 * stack was not successfully updated" and never which table failed or why. A sweep finds the
 * nested stacks (DescribeStackResources, type AWS::CloudFormation::Stack, at every depth) and reads
 * each one's new events, tagging them with the path of stacks they live in. Sweeps ride on the
 * root stack's polls (at most one every `minIntervalMs`, never two at once), and one last
 * complete sweep runs before the operation's result is decided, so a failure deep inside is what
 * the result names.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { nestedStacksOf, newStackEvents, type StackEventInfo } from './stackApi';

/** Separates the stacks of a path: `orders-prod › Database › Table`. */
export const PATH_SEPARATOR = ' › ';

export interface NestedStackOptions {
  readonly cfn: () => Promise<CloudFormationClient>;
  readonly rootId: string;
  readonly rootName: string;
  /** Whether an event belongs to this operation (token, else time). */
  readonly isOurs: (event: StackEventInfo) => boolean;
  readonly onEvent: (event: StackEventInfo) => void;
  readonly signal: AbortSignal;
  readonly minIntervalMs?: number;
}

export class NestedStackFollower {
  private readonly seen = new Set<string>();
  private readonly known = new Set<string>();
  private running: Promise<void> | undefined;
  private lastAt = 0;

  constructor(private readonly options: NestedStackOptions) {}

  /** Starts a sweep unless one runs or ran less than the interval ago; a failed sweep is retried by the next. */
  poke(now = Date.now()): void {
    if (this.running || now - this.lastAt < (this.options.minIntervalMs ?? 2_000)) return;
    this.running = this.sweep()
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Waits for a running sweep, then sweeps once more: every nested event up to now has been delivered. */
  async settle(): Promise<void> {
    await this.running;
    await this.sweep().catch(() => undefined);
  }

  private async sweep(): Promise<void> {
    this.lastAt = Date.now();
    const { signal } = this.options;
    const cfn = await this.options.cfn();
    const queue: [stackId: string, path: string[]][] = [[this.options.rootId, [this.options.rootName]]];
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [stackId, path] = next;
      for (const child of await nestedStacksOf(cfn, stackId, signal)) {
        const childPath = [...path, child.logicalId];
        queue.push([child.physicalId, childPath]);
        // A stack read for the first time: its latest page is enough (older events are not ours).
        const firstRead = !this.known.has(child.physicalId);
        this.known.add(child.physicalId);
        const events = await newStackEvents(cfn, child.physicalId, this.seen, signal, firstRead ? 1 : 10);
        for (const e of events) {
          this.seen.add(e.eventId);
          // The nested stack's own status events repeat what its parent's resource event says.
          if (e.resourceType === 'AWS::CloudFormation::Stack' && e.stackName !== undefined && e.logicalId === e.stackName) continue;
          if (!this.options.isOurs(e)) continue;
          this.options.onEvent({ ...e, stackPath: childPath.join(PATH_SEPARATOR) });
        }
      }
    }
  }
}
