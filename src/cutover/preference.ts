import type { ForwardMode } from '../config/forward-source.js';
import type { ForwardingMode } from '../store/rules/forwarding.js';

/** The mode in force as the store decides by it (store/rules/forwarding.ts ForwardingMode). */
export function forwardingMode(mode: ForwardMode): ForwardingMode {
  if ('state' in mode) return { share: mode.state.share };
  return { prefer: mode.word === 'both' ? null : mode.word };
}
