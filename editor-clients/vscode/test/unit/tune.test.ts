import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Localizer } from '../../src/answerText';
import type { TuneResponse } from '../../src/protocol';
import { tuneDetailLines } from '../../src/answerText';

const english: Localizer = {
  t: (message, ...args) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)])),
};

const answer: TuneResponse = {
  folder: '/work/project',
  model: 'sentence-transformers/all-MiniLM-L6-v2',
  kept: false,
  reason: 'tune.verdict.noGain',
  message: 'Not kept',
  heldOut: { queries: 81, base: 0.6143, tuned: 0.634, gain: 0.0197, standardError: 0.017 },
  questions: { queries: 11, base: 0.3485, tuned: 0.3, gain: -0.0485, standardError: 0.02 },
  semantic: { queries: 81, base: 0.57, tuned: 0.6, gain: 0.03, standardError: 0.02 },
  pairs: { doc: 388, name: 393 },
  embeddedPairs: 0,
  training: { pairs: 781, trainedOn: 703, checkedOn: 78, epochs: 200, bestEpoch: 157, checkLossBase: 0.4, checkLossTuned: 0.35, seconds: 51.3 },
  seconds: 120,
  at: '2026-12-06T13:00:00Z',
};

describe('tuneDetailLines', () => {
  it('shows both comparisons with their signs and the training', () => {
    assert.deepEqual(tuneDetailLines(answer, english), [
      'Held-out documentation, hybrid MRR@10: 0.614 → 0.634 (+0.020, n=81)',
      'Your questions, hybrid MRR@10: 0.348 → 0.300 (-0.049, n=11)',
      'Trained on 781 pairs in 51 s.',
    ]);
  });

  it('leaves out the questions line when there were none', () => {
    const lines = tuneDetailLines({ ...answer, questions: null }, english);
    assert.equal(lines.length, 2);
    assert.ok(!lines.some((line) => line.startsWith('Your questions')));
  });
});
