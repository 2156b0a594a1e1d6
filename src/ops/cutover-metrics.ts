import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/store.js';

/** How far back the logins gauge counts, and how long one count is reused between scrapes. */
const LOGINS_RANGE_MS = 86_400_000;
const LOGINS_CACHE_MS = 30_000;

export interface CutoverMetricsSource {
  store: Pick<Store, 'loginFigures'>;
  /** Whether this instance's FORWARD_SOURCE / FORWARD_SOURCE_PLAN asks for another cut-over than the stored one. */
  environmentDiffers(): boolean;
  clock?: () => number;
}

/**
 * The migration's own gauges, on the service's registry: the logins of the last day by who
 * reported them (database-wide: every instance shows the same figures, so do not sum them over
 * instances), and whether this instance's environment differs from the stored cut-over (per
 * instance).
 */
export function registerCutoverMetrics(registry: Registry, source: CutoverMetricsSource): void {
  const clock = source.clock ?? Date.now;
  let cached: { at: number; figures: Awaited<ReturnType<Store['loginFigures']>> } | undefined;
  new Gauge({
    name: 'faceauth_recent_logins',
    help: 'Logins of the last 24 hours by who reported them: both (the legacy webhook and Workflows), legacy_only, workflows_only. Database-wide: the same on every instance.',
    labelNames: ['reported_by'] as const,
    registers: [registry],
    async collect() {
      const now = clock();
      if (!cached || now - cached.at >= LOGINS_CACHE_MS) {
        cached = {
          at: now,
          figures: await source.store.loginFigures(now - LOGINS_RANGE_MS, now + 1),
        };
      }
      this.set({ reported_by: 'both' }, cached.figures.bothSources);
      this.set({ reported_by: 'legacy_only' }, cached.figures.legacyOnly);
      this.set({ reported_by: 'workflows_only' }, cached.figures.workflowsOnly);
    },
  });
  new Gauge({
    name: 'faceauth_forward_source_environment_differs',
    help: "1 when this instance's FORWARD_SOURCE or FORWARD_SOURCE_PLAN asks for another cut-over than the stored one (which holds: a restart never changes it). Per instance.",
    registers: [registry],
    collect() {
      this.set(source.environmentDiffers() ? 1 : 0);
    },
  });
}
