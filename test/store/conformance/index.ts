import { describe } from 'vitest';
import type { StoreBackend } from './backend.js';
import { describeBatches } from './batches.js';
import { describeCancel } from './cancel.js';
import { describeDeliveryFigures } from './delivery-figures.js';
import { describeEnrichment } from './enrichment.js';
import { describeEvents } from './events.js';
import { describeFastPath } from './fast-path.js';
import { describeFinding } from './finding.js';
import { describeHolds } from './holds.js';
import { describeLineFollows } from './line-follows.js';
import { describeLogins } from './logins.js';
import { describeOutboxOrder } from './outbox-order.js';
import { describeReads } from './reads.js';
import { describeReplay } from './replay.js';
import { describeRetention } from './retention.js';
import { describeSettings } from './settings.js';

export type { StoreBackend } from './backend.js';

/**
 * The behaviour every Store implementation must have, run against one backend: one small test
 * file per backend calls this with a factory of fresh, empty stores. Tests of one backend's
 * machinery (file locking, WAL, its migrations) stay in that backend's own test file.
 */
export function describeStoreConformance(name: string, backend: StoreBackend): void {
  describe(`Store conformance (${name})`, () => {
    describeEvents(backend);
    describeReplay(backend);
    describeLogins(backend);
    describeEnrichment(backend);
    describeFastPath(backend);
    describeOutboxOrder(backend);
    describeLineFollows(backend);
    describeSettings(backend);
    describeReads(backend);
    describeRetention(backend);
    describeHolds(backend);
    describeCancel(backend);
    describeFinding(backend);
    describeDeliveryFigures(backend);
    describeBatches(backend);
  });
}
