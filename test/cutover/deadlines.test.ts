import { describe, expect, it } from 'vitest';
import { daysLeft, deadlineWarning, timeLeft } from '../../src/cutover/deadlines.js';

const at = (iso: string) => Date.parse(iso);

describe("Incode's dates", () => {
  it('counts the days left before the legacy webhook is switched off', () => {
    expect(daysLeft(at('2026-12-01T00:00:00Z'))).toBe(121);
    expect(daysLeft(at('2027-03-31T12:00:00Z'))).toBe(1);
    expect(daysLeft(at('2027-04-01T00:00:00Z'))).toBe(0);
    expect(daysLeft(at('2027-06-01T00:00:00Z'))).toBe(0);
  });

  it('says how much time is left in one sentence', () => {
    expect(timeLeft(at('2026-12-01T00:00:00Z'))).toBe(
      '121 days left: Incode switches the legacy Authentication Webhook 1:1 off on 2027-04-01; Incode recommends moving by 2027-01-01 (31 days)',
    );
    expect(timeLeft(at('2027-02-01T00:00:00Z'))).toBe(
      '59 days left: Incode switches the legacy Authentication Webhook 1:1 off on 2027-04-01; the recommended date (2027-01-01) has passed',
    );
  });

  it('warns from 2027-01-01 only while legacy events are still forwarded for some customer', () => {
    expect(deadlineWarning(true, at('2026-12-31T23:59:59Z'))).toBeNull();
    expect(deadlineWarning(true, at('2027-01-01T00:00:00Z'))).toMatch(
      /^legacy events are still forwarded for some customers: 90 days left/,
    );
    expect(deadlineWarning(false, at('2027-01-01T00:00:00Z'))).toBeNull();
  });
});
