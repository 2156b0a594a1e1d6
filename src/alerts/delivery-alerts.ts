import type { DeliveryObserver } from '../delivery/delivery-worker.js';
import { formatDuration } from '../util/duration.js';
import type { Alerter } from './alerter.js';
import type { CallbackHealth } from './callback-health.js';

export interface DeliveryAlertsOptions {
  alerts: Pick<Alerter, 'raise'>;
  health: Pick<CallbackHealth, 'record'>;
  /** ORDER_HOLD_MAX, as the customer_held alert says it. */
  orderHoldMaxMs: number;
  /** Counts the holds released here (faceauth_order_holds_released_total). */
  onReleased?: (count: number) => void;
}

/** event_dead's summary: what died, why, and how to send it again. */
export function deadSummary(eventId: string, why: string, lastAnswer: string): string {
  return `event ${eventId} is dead: ${why} (the last answer: ${lastAnswer}); once the cause is fixed, replay it (POST /admin/events/${eventId}/replay, or faceauth-shim replay --id ${eventId})`;
}

/** What the delivery worker sees, turned into alerts: event_dead, customer_held, the callback's health. */
export function deliveryAlerts(options: DeliveryAlertsOptions): DeliveryObserver {
  const { alerts, health } = options;
  return {
    attempted: (outcome) => health.record(outcome),
    dead(event) {
      alerts.raise({
        kind: 'event_dead',
        summary: deadSummary(event.eventId, event.why, event.lastAnswer),
        ids: { eventIds: [event.eventId] },
      });
    },
    released(holds) {
      options.onReleased?.(holds.length);
      for (const hold of holds) {
        if (hold.waiting === 0) continue;
        alerts.raise({
          kind: 'customer_held',
          summary: `customer ${hold.customerId} was held for ORDER_HOLD_MAX (${formatDuration(options.orderHoldMaxMs)}) by event ${hold.eventId}, which the callback refuses (${hold.lastError ?? 'no answer'}, ${hold.attempts} attempts): the ${hold.waiting} later event${hold.waiting === 1 ? '' : 's'} go ahead now, it keeps retrying on its own schedule; cancel it if it must never be sent (POST /admin/events/${hold.eventId}/cancel, or faceauth-shim cancel ${hold.eventId})`,
          ids: { eventIds: [hold.eventId], customerIds: [hold.customerId] },
        });
      }
    },
  };
}
