import { describe, expect, it } from 'vitest';
import { parsePlan, planFrom } from '../../src/cutover/plan.js';
import { parseShare, percent, shareText } from '../../src/cutover/share.js';

const DAY = 86_400_000;
const START = Date.parse('2026-12-01T00:00:00Z');

describe('shares', () => {
  it('reads workflows:<N>% in basis points, and writes it back', () => {
    expect(parseShare('workflows:10%')).toEqual({ share: 1000 });
    expect(parseShare('workflows:0.05%')).toEqual({ share: 5 });
    expect(parseShare('workflows:100%')).toEqual({ share: 10_000 });
    expect(shareText(1000)).toBe('workflows:10%');
    expect(percent(5)).toBe('0.05%');
  });

  it('refuses a share outside 0-100 or not a number, saying so', () => {
    expect(parseShare('workflows:101%')).toEqual({
      error: '"workflows:101%": a share cannot be above 100%',
    });
    for (const bad of ['workflows:-1%', 'workflows:10', 'workflows:ten%', 'workflows:1.234%']) {
      expect(parseShare(bad)).toHaveProperty('error');
    }
  });
});

describe('plans', () => {
  it('resolves steps after the start and at dates', () => {
    expect(planFrom('1%,10%@2d,50%@2026-12-08T00:00:00Z,100%@14d', START)).toEqual({
      steps: [
        { share: 100, at: START },
        { share: 1000, at: START + 2 * DAY },
        { share: 5000, at: START + 7 * DAY },
        { share: 10_000, at: START + 14 * DAY },
      ],
    });
  });

  it.each([
    ['10%,5%@2d', /goes down or stays at 10%/],
    ['10%,10%@2d', /goes down or stays at 10%/],
    ['10%,50%@1d,20%@2d', /step "20%@2d" goes down or stays at 50%/],
    ['1%,10%@1d,50%@2d,50%@3d', /step "50%@3d" goes down or stays at 50%/],
    ['0%,10%', /a step moves more than 0%/],
    ['1%,10%@2x', /neither a duration/],
    ['1%,,10%', /separated by commas/],
    ['1%,150%', /expected a share/],
    ['1%@1d@2d', /more than one @/],
  ])('refuses %j', (text, reason) => {
    const parsed = parsePlan(text);
    expect('error' in parsed && parsed.error).toMatch(reason);
  });

  it('refuses a step earlier than the one before it', () => {
    expect(planFrom('1%@7d,10%@2d', START)).toEqual({
      error:
        'the step to 10% (2026-12-03T00:00:00.000Z) comes before the step to 1% (2026-12-08T00:00:00.000Z)',
    });
  });
});
