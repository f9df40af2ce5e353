import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { alarmMetric } from '../../../../src/core/health/alarmSource';
import { cloudWatchMetricSource, QUERIES_PER_CALL, type MetricClient, type MetricRead } from '../../../../src/core/health/metricSource';

/** A CloudWatch stand-in that records every GetMetricData call and answers each query with one point per page. */
function recordingCloudWatch(pagesPerBatch = 1) {
  const calls: GetMetricDataCommandInput[] = [];
  const client = {
    send: async (command: { input: GetMetricDataCommandInput }): Promise<Partial<GetMetricDataCommandOutput>> => {
      const input = command.input;
      calls.push(input);
      const page = input.NextToken ? Number(input.NextToken) : 0;
      return {
        MetricDataResults: (input.MetricDataQueries ?? [])
          .filter((q) => q.ReturnData !== false)
          .map((q) => ({ Id: q.Id, Timestamps: [new Date(input.StartTime!.getTime() + page * 60_000)], Values: [page + 1] })),
        ...(page + 1 < pagesPerBatch ? { NextToken: String(page + 1) } : {}),
      };
    },
  };
  return { client: client as unknown as MetricClient, calls };
}

function plain(i: number): MetricRead {
  return {
    key: `k${i}`,
    period: 60,
    query: { kind: 'metric', namespace: 'Orders', metric: `M${i}`, dimensions: { Stage: 'prod' }, stat: 'p99' },
  };
}

const window = { start: Date.UTC(2026, 11, 4, 10), end: Date.UTC(2026, 11, 4, 11) };

describe('GetMetricData reads', () => {
  for (const n of [1, 10, 100]) {
    it(`reads ${n} metric(s) in one call, oldest first, in the window`, async () => {
      const { client, calls } = recordingCloudWatch();
      const read = await cloudWatchMetricSource(client).read(
        Array.from({ length: n }, (_, i) => plain(i)),
        window,
      );
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.ScanBy, 'TimestampAscending');
      assert.equal(calls[0]!.MetricDataQueries!.length, n);
      assert.equal(calls[0]!.MetricDataQueries![0]!.MetricStat!.Stat, 'p99');
      assert.deepEqual(calls[0]!.MetricDataQueries![0]!.MetricStat!.Metric!.Dimensions, [{ Name: 'Stage', Value: 'prod' }]);
      assert.equal(read.size, n);
      assert.deepEqual(read.get(`k${n - 1}`), [{ at: window.start, value: 1 }]);
    });
  }

  it('splits more than 500 queries into as few calls as fit, an expression kept with its metrics', async () => {
    const { client, calls } = recordingCloudWatch();
    const reads = Array.from({ length: 499 }, (_, i) => plain(i));
    reads.push({
      key: 'rate',
      period: 60,
      query: {
        kind: 'expression',
        expression: 'errors / requests',
        using: {
          errors: { namespace: 'Orders', metric: 'Errors', dimensions: {}, stat: 'Sum' },
          requests: { namespace: 'Orders', metric: 'Requests', dimensions: {}, stat: 'Sum' },
        },
      },
    });
    const read = await cloudWatchMetricSource(client).read(reads, window);
    assert.deepEqual(
      calls.map((c) => c.MetricDataQueries!.length),
      [499, 3],
    );
    assert.ok(calls.every((c) => c.MetricDataQueries!.length <= QUERIES_PER_CALL));
    const expression = calls[1]!.MetricDataQueries!.find((q) => q.Expression);
    assert.equal(expression!.Expression, 'm499_errors / m499_requests');
    assert.deepEqual(
      calls[1]!.MetricDataQueries!.filter((q) => q.ReturnData === false).map((q) => q.Id),
      ['m499_errors', 'm499_requests'],
    );
    assert.deepEqual(read.get('rate'), [{ at: window.start, value: 1 }]);
  });

  it('follows NextToken and gathers every page', async () => {
    const { client, calls } = recordingCloudWatch(3);
    const read = await cloudWatchMetricSource(client).read([plain(0)], window);
    assert.equal(calls.length, 3);
    assert.deepEqual(
      read.get('k0')!.map((p) => p.value),
      [1, 2, 3],
    );
  });
});

describe('the metric behind an alarm', () => {
  const base: MetricAlarm = { AlarmName: 'a', StateValue: 'OK' };
  it('reads a plain alarm, its percentile and its direction', () => {
    const metric = alarmMetric({
      ...base,
      ComparisonOperator: 'GreaterThanThreshold',
      Namespace: 'Orders',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'Stage', Value: 'prod' }],
      ExtendedStatistic: 'p99',
      Period: 60,
    });
    assert.deepEqual(metric, {
      query: { kind: 'metric', namespace: 'Orders', metric: 'Latency', dimensions: { Stage: 'prod' }, stat: 'p99' },
      period: 60,
      bad: 'increase',
    });
    assert.equal(
      alarmMetric({ ...base, ComparisonOperator: 'LessThanThreshold', Namespace: 'O', MetricName: 'Rps', Statistic: 'Sum', Period: 60 })
        ?.bad,
      'decrease',
    );
  });

  it("keeps the alarm's threshold for its chart", () => {
    const metric = alarmMetric({
      ...base,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 250,
      Namespace: 'Orders',
      MetricName: 'Latency',
      Statistic: 'Average',
      Period: 60,
    });
    assert.equal(metric?.threshold, 250);
  });

  it('reads metric math, and leaves anomaly bands to the alarm', () => {
    const metric = alarmMetric({
      ...base,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: [
        { Id: 'e', MetricStat: { Metric: { Namespace: 'O', MetricName: 'Errors' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'r', MetricStat: { Metric: { Namespace: 'O', MetricName: 'Requests' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'rate', Expression: 'e / r', ReturnData: true },
      ],
    });
    assert.equal(metric?.query.kind, 'expression');
    assert.equal(metric?.period, 60);
    assert.equal(metric?.query.kind === 'expression' && Object.keys(metric.query.using).join(), 'e,r');
    assert.equal(alarmMetric({ ...base, ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold', MetricName: 'X' }), undefined);
  });
});
