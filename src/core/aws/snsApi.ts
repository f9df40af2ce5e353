/** SNS: the account and region a topic lives in, and one Publish. No SDK type leaves this file. */
import type { SNSClient } from '@aws-sdk/client-sns';
import { loadAwsSdk } from './sdk';

/** A topic ARN's parts, or undefined when it is not one: arn:PARTITION:sns:REGION:ACCOUNT:NAME. */
export function snsTopicParts(arn: string): { readonly region: string; readonly account: string; readonly name: string } | undefined {
  const m = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/.exec(arn);
  return m ? { region: m[1]!, account: m[2]!, name: m[3]! } : undefined;
}

/** Publishes one message; a FIFO topic gets the group and deduplication ids it requires. */
export async function publishToTopic(
  sns: SNSClient,
  topicArn: string,
  subject: string,
  message: string,
  dedupId: string,
  signal: AbortSignal,
): Promise<void> {
  const { PublishCommand } = (await loadAwsSdk()).sns;
  const fifo = topicArn.endsWith('.fifo');
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      // SNS subjects are at most 100 characters of printable ASCII.
      Subject: subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
      Message: message,
      ...(fifo ? { MessageGroupId: 'deployguard', MessageDeduplicationId: dedupId.slice(0, 128) } : {}),
    }),
    { abortSignal: signal },
  );
}
