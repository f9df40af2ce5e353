import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDifference, differingParameters } from '../../../../src/core/deployment/targetMatch';

describe('what still differs from a rollback target', () => {
  const recorded = [
    { key: 'Version', value: 'v1' },
    { key: 'Name', value: 'orders' },
    { key: 'Secret', noEcho: true },
    { key: 'Kept', usePreviousValue: true },
  ];

  it('names the parameters whose recorded values the stack does not hold (NoEcho and unrecorded ones cannot be compared)', () => {
    const stack = new Map([
      ['Version', 'v2'],
      ['Name', 'orders'],
      ['Secret', '****'],
      ['Kept', 'whatever'],
    ]);
    assert.deepEqual(differingParameters(recorded, stack), ['Version']);
    assert.deepEqual(differingParameters(recorded, new Map()), ['Version', 'Name']);
  });

  it('says the template, which parameters by name, both, or that the stack is gone, never "template or parameters"', () => {
    const cases: [Parameters<typeof describeDifference>[0], string][] = [
      [{ exists: true, sameTemplate: false, differentParameters: [] }, 'the template differs'],
      [{ exists: true, sameTemplate: true, differentParameters: ['Version'] }, 'parameter Version differs'],
      [{ exists: true, sameTemplate: true, differentParameters: ['Version', 'Name'] }, 'parameters Version, Name differ'],
      [{ exists: true, sameTemplate: false, differentParameters: ['Name'] }, 'the template and parameter Name differ'],
      [{ exists: false, sameTemplate: false, differentParameters: [] }, 'the stack no longer exists'],
    ];
    for (const [read, words] of cases) assert.equal(describeDifference(read), words);
  });
});
