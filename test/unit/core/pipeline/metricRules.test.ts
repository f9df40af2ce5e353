import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validatePipelineText } from '../../../../src/core/pipeline';
import { expressionIds, isValidPeriod, parseStat, parseTolerance, renameExpressionIds } from '../../../../src/core/pipeline/metricRules';

function validate(health: string) {
  const text = `version: 1
name: svc
stack: { name: svc, template: t.yaml }
environments:
  prod:
    region: eu-west-1
    health:
${health
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
`;
  return validatePipelineText(text, { file: '/x/deployguard.yaml' });
}

describe('metric rules', () => {
  it('parses plain statistics and percentiles, refusing what CloudWatch would', () => {
    assert.deepEqual(parseStat('Average'), { kind: 'plain', name: 'Average' });
    assert.deepEqual(parseStat('SampleCount'), { kind: 'plain', name: 'SampleCount' });
    assert.deepEqual(parseStat('p99'), { kind: 'percentile', percentile: 99 });
    assert.deepEqual(parseStat('p99.9'), { kind: 'percentile', percentile: 99.9 });
    assert.deepEqual(parseStat('p0'), { kind: 'percentile', percentile: 0 });
    assert.deepEqual(parseStat('p100'), { kind: 'percentile', percentile: 100 });
    for (const bad of ['average', 'p101', 'p99.999', 'P99', 'p', 'Mean', '']) assert.equal(parseStat(bad), undefined, bad);
  });

  it('accepts the periods CloudWatch keeps', () => {
    for (const ok of [1, 5, 10, 30, 60, 120, 300, 3600]) assert.equal(isValidPeriod(ok), true, String(ok));
    for (const bad of [0, 2, 15, 45, 90, 61, 1.5, -60]) assert.equal(isValidPeriod(bad), false, String(bad));
  });

  it('reads a tolerance as a percentage only', () => {
    assert.equal(parseTolerance('10%'), 0.1);
    assert.equal(parseTolerance('2.5 %'), 0.025);
    assert.equal(parseTolerance('10'), undefined);
    assert.equal(parseTolerance('ten%'), undefined);
  });

  it('finds and renames the ids an expression names, leaving functions and strings alone', () => {
    assert.deepEqual(expressionIds('errors / requests * 100'), ['errors', 'requests']);
    assert.deepEqual(expressionIds('FILL(m1, 0) + SUM(METRICS("m2"))'), ['m1']);
    assert.equal(
      renameExpressionIds('IF(a > 0, b / a, 0)', (id) => `q1_${id}`),
      'IF(q1_a > 0, q1_b / q1_a, 0)',
    );
  });
});

describe('health.metrics in deployguard.yaml', () => {
  it('builds plain and expression metrics with defaults', () => {
    const result = validate(`bake: 15m
compareWith: previous-day
metricsFromAlarms: true
metrics:
  - namespace: AWS/ApplicationELB
    metric: TargetResponseTime
    dimensions: { LoadBalancer: app/orders/1 }
    stat: p99
    period: 60
    bad: increase
    tolerance: 10%
  - name: Error rate
    expression: errors / requests
    using:
      errors: { namespace: Orders, metric: Errors, stat: Sum }
      requests: { namespace: Orders, metric: Requests, stat: Sum }
    period: 60
    bad: increase
    missing: zero`);
    assert.deepEqual(result.problems, []);
    const health = result.config!.environments.prod!.health!;
    assert.equal(health.compareWith, 'previous-day');
    assert.equal(health.metricsFromAlarms, true);
    const [latency, rate] = health.metrics!;
    assert.deepEqual(latency, {
      name: 'TargetResponseTime p99',
      query: {
        kind: 'metric',
        namespace: 'AWS/ApplicationELB',
        metric: 'TargetResponseTime',
        dimensions: { LoadBalancer: 'app/orders/1' },
        stat: 'p99',
      },
      period: 60,
      bad: 'increase',
      tolerance: 0.1,
      missing: 'gap',
    });
    assert.equal(rate!.name, 'Error rate');
    assert.equal(rate!.missing, 'zero');
    assert.equal(rate!.query.kind, 'expression');
  });

  it('reports a bad stat, period, tolerance and expression reference where they stand', () => {
    const result = validate(`bake: 15m
metrics:
  - namespace: Orders
    metric: Latency
    stat: Averag
    period: 45
    bad: increase
    tolerance: "10"
  - expression: erors / requests
    using:
      errors: { namespace: Orders, metric: Errors, stat: Sum }
      requests: { namespace: Orders, metric: Requests, stat: p999 }
    period: 60
    bad: increase`);
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.column, p.code]),
      [
        [12, 17, 'bad-stat'],
        [13, 19, 'bad-period'],
        [15, 22, 'bad-tolerance'],
        [16, 23, 'unknown-metric-id'],
        [19, 68, 'bad-stat'],
      ],
    );
    assert.match(result.problems.find((p) => p.code === 'bad-stat')!.message, /did you mean Average\?/);
    assert.match(result.problems.find((p) => p.code === 'unknown-metric-id')!.message, /"erors".*did you mean errors\?/);
  });

  it('a health section of metrics only guards the environment', () => {
    const result = validate(`metrics:
  - { namespace: Orders, metric: Latency, stat: Average, period: 10, bad: increase }`);
    assert.deepEqual(result.problems, []);
  });

  it('warns when the bake holds too few periods for a verdict', () => {
    const result = validate(`metrics:
  - { namespace: Orders, metric: Latency, stat: Average, period: 60, bad: increase }`);
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.column, p.severity, p.code]),
      [[9, 72, 'warning', 'too-few-samples']],
    );
    assert.match(result.problems[0]!.message, /gives 5 samples in the bake.*needs 10/);
  });
});
