import type { SourceName } from '../report-text.js';

// The colour of each source, the same in the charts and in the tables' swatches.

export const COLORS: Record<SourceName, string> = { legacy: '#b45309', workflows: '#1d4ed8' };
