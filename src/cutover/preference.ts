import type { ForwardingMode } from '../store/rules/forwarding.js';
import type { ForwardMode } from './source-value.js';

/** The mode in force as the store decides by it (store/rules/forwarding.ts ForwardingMode). */
export function forwardingMode(mode: ForwardMode): ForwardingMode {
  if ('state' in mode) return { share: mode.state.share };
  return { prefer: mode.word === 'both' ? null : mode.word };
}
