import { timeRange } from '../admin/time-range.js';
import type { ReplayScope } from '../store/delivery-types.js';
import { UsageError, type Values } from './command.js';

/** --from and --to as milliseconds (either left out), or a usage error naming the bad one. */
export function timeRangeOf(values: Values): { from?: number; to?: number } {
  const text = (name: 'from' | 'to') => {
    const value = values[name];
    if (value !== undefined && typeof value !== 'string')
      throw new UsageError(`--${name} takes a date-time`);
    return value;
  };
  const range = timeRange(text('from'), text('to'));
  if ('error' in range) throw new UsageError(`--${range.error}`);
  return range;
}

/** --customer, --from and --to of a replay. */
export function replayScopeOf(values: Values): ReplayScope {
  const customer = values.customer;
  if (customer !== undefined && (typeof customer !== 'string' || customer === '')) {
    throw new UsageError('--customer takes a customer id');
  }
  return { ...(customer !== undefined ? { customerId: customer } : {}), ...timeRangeOf(values) };
}
