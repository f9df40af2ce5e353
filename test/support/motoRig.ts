import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { after, before, beforeEach } from 'node:test';
import { rawCloudWatch } from './healthFixtures';
import { cfnClient, useMotoCredentials } from './deployFixture';
import { startFaultProxy, type FaultProxy } from './faultProxy';
import { startMoto, type Moto } from './moto';

/**
 * The AWS side of an integration test file: one moto_server (and, when asked, the fault proxy in
 * front of it) started once for the enclosing `describe`, reset before each test (unless asked
 * not to) so no test sees another's stacks or faults, and stopped after the last one; with the raw clients the tests use to
 * look at moto directly.
 */
export interface MotoRig {
  readonly moto: Moto;
  /** Only when started with `{ proxy: true }`. */
  readonly proxy: FaultProxy;
  /** CloudFormation straight to moto (not through the proxy), one attempt per call. */
  readonly cfn: CloudFormationClient;
  /** CloudWatch straight to moto, for alarms and metric data the tests set up. */
  readonly cw: CloudWatchClient;
  /** S3 straight to moto (path-style, as moto serves buckets), for buckets and objects the tests set up. */
  readonly s3: S3Client;
}

export interface MotoRigOptions {
  /** Start the fault proxy in front of moto (and reset its rules before each test). */
  readonly proxy?: boolean;
  /**
   * Reset moto before each test (the default). Off for files whose `before` builds one scene that
   * every test then reads.
   */
  readonly resetBeforeEachTest?: boolean;
}

/**
 * Registers the node:test hooks; call it inside a `describe`, before that block's own hooks, so moto is
 * already reset when they run. The returned parts are stand-ins that forward to the real ones:
 * `before` runs after `describe` has returned, so the real server and clients do not exist
 * yet when the test file destructures them.
 */
export function useMotoRig(options: MotoRigOptions = {}): MotoRig {
  let moto: Moto | undefined;
  let proxy: FaultProxy | undefined;
  let cfn: CloudFormationClient | undefined;
  let cw: CloudWatchClient | undefined;
  let s3: S3Client | undefined;

  before(async () => {
    useMotoCredentials();
    moto = await startMoto();
    if (options.proxy) proxy = await startFaultProxy(moto.endpoint);
  });
  after(async () => {
    cfn?.destroy();
    cw?.destroy();
    s3?.destroy();
    await proxy?.close();
    await moto?.stop();
  });
  beforeEach(async () => {
    if (options.resetBeforeEachTest ?? true) await started('moto', moto).reset();
    proxy?.reset();
  });

  return {
    moto: forwardTo(() => started('moto', moto)),
    proxy: forwardTo(() => started('the fault proxy (useMotoRig({ proxy: true }))', proxy)),
    cfn: forwardTo(() => (cfn ??= cfnClient(started('moto', moto).endpoint))),
    cw: forwardTo(() => (cw ??= rawCloudWatch(started('moto', moto).endpoint))),
    s3: forwardTo(() => (s3 ??= s3Client(started('moto', moto).endpoint))),
  };
}

function s3Client(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

function started<T>(what: string, part: T | undefined): T {
  if (part === undefined) throw new Error(`${what} is not started: use it inside a test or hook, not while describe() runs`);
  return part;
}

/** An object that reads every property from `current()` at the moment of use; methods stay bound to it. */
function forwardTo<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const target = current();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
