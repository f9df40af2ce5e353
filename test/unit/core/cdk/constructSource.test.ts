import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cdkPathOf, cdkResourceSource } from '../../../../src/core/cdk/assemblySource';
import {
  callEndLine,
  constructSourceOf,
  firstRepoFrame,
  inRepository,
  originalPosition,
  parseFrame,
  parseSourceMap,
  sourceMappingUrl,
} from '../../../../src/core/cdk/constructSource';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'cdk-source');
const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * A fixture app (real synth output) in a temporary folder, as a repository whose cdk.out is the
 * fixture's assembly; the folder the traces name (where it was synthesised) is replaced by it.
 */
function fixtureRepo(name: 'mjs' | 'ts-compiled', synthesisedIn: string): string {
  const root = mkdtempSync(join(tmpdir(), `dg-cdk-source-${name}-`));
  made.push(root);
  cpSync(join(FIXTURES, name), root, { recursive: true });
  cpSync(join(root, 'assembly'), join(root, 'cdk.out'), { recursive: true });
  const metadata = join(root, 'cdk.out', 'OrdersStack.metadata.json');
  writeFileSync(metadata, readFileSync(metadata, 'utf8').replaceAll(synthesisedIn, root));
  return root;
}

describe('CDK: a logical id back to the line of the app that made it', () => {
  it('reads the frames V8 writes and the ones aws-cdk-lib renders, and nothing else', () => {
    const table: [string, ReturnType<typeof parseFrame>][] = [
      ['Object.<anonymous> (/repo/bin/app.ts:10:13)', { file: '/repo/bin/app.ts', line: 10, column: 13 }],
      ['    at new OrdersStack (/repo/lib/orders-stack.ts:22:5)', { file: '/repo/lib/orders-stack.ts', line: 22, column: 5 }],
      ['/repo/app.js:3:1', { file: '/repo/app.js', line: 3, column: 1 }],
      ['async main (file:///repo/bin/app.mjs:4:9)', { file: '/repo/bin/app.mjs', line: 4, column: 9 }],
      // aws-cdk-lib 2.276's rendering of a frame without a function name, and of one it could not split.
      ['file:///repo/app.mjs:9: (file:///repo/app.mjs:9:1)', { file: '/repo/app.mjs', line: 9, column: 1 }],
      ['file:///repo/app.mjs:17 (:)', { file: '/repo/app.mjs', line: 17 }],
      // tsx's ESM loader adds a query to the module's URL.
      ['<anonymous> (file:///repo/bin/app.ts?tsx-namespace=1733350000000:12:3)', { file: '/repo/bin/app.ts', line: 12, column: 3 }],
      ['Module._compile (node:internal/modules/cjs/loader:1554:14)', undefined],
      ['...new Queue2 in aws-cdk-lib...', undefined],
      ['(no user code in 10 frames, use --stack-trace-limit to capture more)', undefined],
      ['...node internals...', undefined],
      ['eval (eval at <anonymous> (/repo/x.js:1:1), <anonymous>:1:1)', undefined],
      ['relative/app.js:1:1', undefined],
    ];
    for (const [text, expected] of table) assert.deepEqual(parseFrame(text), expected, text);
  });

  it("takes the first frame inside the repository and outside node_modules, from the construct's own trace first", () => {
    assert.equal(inRepository('/repo/bin/app.ts', '/repo'), 'bin/app.ts');
    assert.equal(inRepository('/repo/node_modules/aws-cdk-lib/core/lib/stack.js', '/repo'), undefined);
    assert.equal(inRepository('/repo/packages/infra/node_modules/x/y.js', '/repo'), undefined);
    assert.equal(inRepository('/elsewhere/app.ts', '/repo'), undefined);
    assert.equal(inRepository('/repo2/app.ts', '/repo'), undefined);

    // Older aws-cdk-lib under CDK_DEBUG: a `trace` of raw V8 frames on the logicalId entry.
    const metadata = {
      '/Orders/Queue/Resource': [
        {
          type: 'aws:cdk:logicalId',
          data: 'QueueB0E8A3D2',
          trace: [
            'new CfnQueue (/repo/node_modules/aws-cdk-lib/aws-sqs/lib/sqs.generated.js:1:1)',
            'new Queue (/repo/node_modules/aws-cdk-lib/aws-sqs/lib/queue.js:1:1)',
            'new OrdersStack (/repo/lib/orders-stack.ts:14:18)',
            'Object.<anonymous> (/repo/bin/app.ts:7:1)',
          ],
        },
        { type: 'aws:cdk:creationStack', data: ['...new Queue in aws-cdk-lib...', 'Object.<anonymous> (/repo/bin/app.ts:7:1)'] },
      ],
      '/Orders/Topic/Resource': [{ type: 'aws:cdk:logicalId', data: 'TopicBFC7AF6E' }],
    };
    const queue = constructSourceOf(metadata, 'QueueB0E8A3D2');
    assert.equal(queue?.constructPath, 'Orders/Queue/Resource');
    assert.deepEqual(firstRepoFrame(queue.traces, '/repo'), { file: '/repo/lib/orders-stack.ts', line: 14, column: 18 });
    assert.equal(firstRepoFrame(queue.traces, '/somewhere-else'), undefined, 'no frame in this repository');
    assert.deepEqual(constructSourceOf(metadata, 'TopicBFC7AF6E'), {
      logicalId: 'TopicBFC7AF6E',
      constructPath: 'Orders/Topic/Resource',
      traces: [],
    });
    assert.equal(constructSourceOf(metadata, 'Missing'), undefined);
  });

  it("runs to the end of the call that starts on the frame's line: a construct's props are part of it", () => {
    const app = [
      "const queue = new Queue(stack, 'Orders');", // 1
      'const fn = new Function(stack, "Handler", {', // 2
      '  code: Code.fromInline(\'exports.handler = () => "("\'), // a ( in a string', // 3
      '  /* { */ timeout: Duration.seconds(3),', // 4
      '  environment: { QUEUE: `${queue.queueUrl})`,', // 5
      '  },', // 6
      '});', // 7
      'orders(stack);', // 8
      'const x = 1;', // 9
      'new Topic(stack,', // 10
    ].join('\n');
    const table: [number, number | undefined, number][] = [
      [1, 1, 1],
      [2, 12, 7],
      [2, undefined, 7],
      [8, 1, 8],
      [9, 1, 9], // no call on the line
      [10, 1, 10], // never closes
      [99, 1, 99],
    ];
    for (const [line, column, end] of table) assert.equal(callEndLine(app, line, column), end, `line ${line}`);
    assert.equal(callEndLine(app, 2, 1, 3), 2, 'not closed within maxLines');
  });

  it("maps a compiled line back through tsc's source map", () => {
    const code = readFileSync(join(FIXTURES, 'ts-compiled', 'lib', 'app.js'), 'utf8');
    assert.deepEqual(sourceMappingUrl(code), { file: 'app.js.map' });
    const map = parseSourceMap(readFileSync(join(FIXTURES, 'ts-compiled', 'lib', 'app.js.map'), 'utf8'));
    assert.ok(map);
    // lib/app.js:10 is `return new aws_sqs_1.Queue(scope, 'Orders', {`: bin/app.ts:10, its `new`.
    assert.deepEqual(originalPosition(map, 10, 12), { source: '../bin/app.ts', line: 10, column: 10 });
    assert.deepEqual(originalPosition(map, 15, 1), { source: '../bin/app.ts', line: 16, column: 1 });
    assert.equal(originalPosition(map, 1, 1), undefined, 'the "use strict" line maps to nothing');
    assert.equal(originalPosition(map, 400, 1), undefined);
    const inline = `x();\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAAA' })).toString('base64')}\n`;
    assert.deepEqual(sourceMappingUrl(inline), { inline: { sources: ['a.ts'], mappings: 'AAAA' } });
    assert.equal(sourceMappingUrl('x();\n'), undefined);
    assert.equal(parseSourceMap('not json'), undefined);
  });

  it('an app in JavaScript (real synth): its resources go to the lines that made them', async () => {
    const root = fixtureRepo('mjs', '/tmp/dg-cdk-fixture');
    const cdk = { stack: 'OrdersStack' };
    const handler = await cdkResourceSource(root, cdk, 'Handler886CB40B');
    assert.deepEqual(handler.source, { path: 'app.mjs', line: 11, column: 1, endLine: 16 });
    assert.equal(handler.constructPath, 'OrdersStack/Handler/Resource');
    assert.equal(handler.template?.file, join(root, 'cdk.out', 'OrdersStack.template.json'));
    assert.equal(handler.template?.at?.logicalId, 'Handler886CB40B');
    // The role the function makes for itself: the function's line.
    assert.deepEqual((await cdkResourceSource(root, cdk, 'HandlerServiceRoleFCDC14AE')).source, {
      path: 'app.mjs',
      line: 11,
      column: 1,
      endLine: 16,
    });
    assert.deepEqual((await cdkResourceSource(root, cdk, 'OrdersA9B65338')).source, { path: 'app.mjs', line: 10, column: 1, endLine: 10 });
    assert.deepEqual((await cdkResourceSource(root, cdk, 'FunctionName')).source, { path: 'app.mjs', line: 17, endLine: 17 });
    // What the CDK adds by itself has no line in the app: the construct path and the built template.
    const metadata = await cdkResourceSource(root, cdk, 'CDKMetadata');
    assert.equal(metadata.source, undefined);
    assert.equal(metadata.constructPath, 'OrdersStack/CDKMetadata/Default');
    assert.ok(metadata.template?.at && metadata.template.at.line > 1);
  });

  it('an app in TypeScript compiled by tsc (real synth): the .ts line, through the source map', async () => {
    const root = fixtureRepo('ts-compiled', '/tmp/dg-cdk-ts');
    const cdk = { stack: 'OrdersStack' };
    assert.deepEqual((await cdkResourceSource(root, cdk, 'OrdersA9B65338')).source, {
      path: 'bin/app.ts',
      line: 10,
      column: 10,
      endLine: 12,
      compiled: 'lib/app.js',
    });
    assert.deepEqual((await cdkResourceSource(root, cdk, 'Alerts91F83244')).source, {
      path: 'bin/app.ts',
      line: 16,
      column: 1,
      endLine: 16,
      compiled: 'lib/app.js',
    });
    // Without its map (compiled without sourceMap), the compiled line is still the line that ran.
    rmSync(join(root, 'lib', 'app.js.map'));
    assert.deepEqual((await cdkResourceSource(root, cdk, 'Alerts91F83244')).source, {
      path: 'lib/app.js',
      line: 15,
      column: 1,
      endLine: 15,
    });
  });

  it('without traces in this repository, or without an assembly, it says what it can', async () => {
    const root = fixtureRepo('mjs', '/tmp/not-this-folder');
    const handler = await cdkResourceSource(root, { stack: 'OrdersStack' }, 'Handler886CB40B');
    assert.equal(handler.source, undefined);
    assert.equal(handler.constructPath, 'OrdersStack/Handler/Resource');
    assert.equal(handler.template?.at?.logicalId, 'Handler886CB40B');
    assert.deepEqual(await cdkResourceSource(root, { stack: 'Other' }, 'Handler886CB40B'), { logicalId: 'Handler886CB40B' });
    assert.deepEqual(await cdkResourceSource(root, { stack: 'OrdersStack', cwd: 'infra' }, 'Handler886CB40B'), {
      logicalId: 'Handler886CB40B',
    });
    // The built template alone still names the construct.
    const body = readFileSync(join(root, 'cdk.out', 'OrdersStack.template.json'), 'utf8');
    assert.equal(cdkPathOf(body, 'Handler886CB40B'), 'OrdersStack/Handler/Resource');
    assert.equal(cdkPathOf(body, 'Missing'), undefined);
    assert.equal(cdkPathOf('not json', 'Handler886CB40B'), undefined);
  });
});
