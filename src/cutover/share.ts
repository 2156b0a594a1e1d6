import { ALL } from '../store/rules/bucket.js';

/**
 * `workflows:<N>%`: Workflows for N% of customers. N from 0 to 100, at most two decimals
 * (a share is counted in basis points).
 */
const SHARE_TEXT = /^workflows:(\d{1,3}(?:\.\d{1,2})?)%$/;

/** A share in basis points from its text, or why it is not one. */
export function parseShare(text: string): { share: number } | { error: string } {
  const match = SHARE_TEXT.exec(text.trim());
  if (!match?.[1]) {
    return {
      error: `"${text}" is not a share such as workflows:10% (0 to 100, at most two decimals)`,
    };
  }
  const share = Math.round(Number(match[1]) * 100);
  if (share > ALL) return { error: `"${text}": a share cannot be above 100%` };
  return { share };
}

/** A share in basis points as a percentage: 1000 is `10%`, 5 is `0.05%`. */
export function percent(share: number): string {
  return `${Number((share / 100).toFixed(2))}%`;
}

/** A share as FORWARD_SOURCE spells it: `workflows:10%`. */
export function shareText(share: number): `workflows:${string}%` {
  return `workflows:${percent(share).slice(0, -1)}%`;
}
