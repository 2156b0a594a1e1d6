import { Hono } from 'hono';
import { customerView } from '../admin/customer-view.js';
import { forwardingMode } from '../cutover/preference.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import type { Store } from '../store/store.js';
import { type AdminActionDeps, cancelEvent, reingestQuarantined } from './admin-actions.js';

export interface OperatingRoutesOptions {
  store: Pick<Store, 'listEvents'>;
  forwardSource: Pick<ForwardSourceSwitch, 'mode' | 'get'>;
  /** What the actions need (admin-actions.ts, shared with the console). */
  actions: AdminActionDeps;
}

/**
 * What operators do during the migration, under /admin (behind ADMIN_TOKEN, see
 * admin-routes.ts): cancel an event, take a quarantined body in again, look up a customer.
 */
export function operatingRoutes(options: OperatingRoutesOptions): Hono {
  const { store, forwardSource, actions } = options;
  const app = new Hono();

  app.post('/events/:id/cancel', async function cancel(c) {
    const { eventId, already } = await cancelEvent(actions, c.req.param('id'));
    return c.json({ success: true, eventId, status: 'cancelled', ...(already ? { already } : {}) });
  });

  app.post('/quarantine/:id/reingest', async function reingest(c) {
    const outcome = await reingestQuarantined(actions, c.req.param('id'));
    return c.json(
      outcome.duplicate
        ? { success: true, duplicate: true, eventId: outcome.eventId }
        : { success: true, eventId: outcome.eventId, status: outcome.status },
    );
  });

  app.get('/customers/:id', async function showCustomer(c) {
    const customerId = c.req.param('id');
    const view = await customerView(store, customerId, {
      mode: forwardingMode(forwardSource.mode()),
      source: forwardSource.get(),
    });
    return c.json(view);
  });

  return app;
}
