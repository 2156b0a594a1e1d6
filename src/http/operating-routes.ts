import { Hono } from 'hono';
import { customerView } from '../admin/customer-view.js';
import { NOT_CANCELLED } from '../admin/views.js';
import type { Config } from '../config/config.js';
import { forwardingMode } from '../cutover/preference.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import { WEBHOOK_ROUTES } from '../intake/webhook-kinds.js';
import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import { HttpError } from './http-error.js';
import type { Ingest } from './ingest.js';

export interface OperatingRoutesOptions {
  store: Pick<Store, 'cancel' | 'getQuarantine' | 'listEvents'>;
  config: Pick<Config, 'maxBodyBytes'>;
  forwardSource: Pick<ForwardSourceSwitch, 'mode' | 'get'>;
  ingest: Ingest;
  /** Something was put in line or a line moved on (wakes the delivery worker). */
  onEnqueued: () => void;
  logger: Logger;
}

/**
 * What operators do during the migration, under /admin (behind ADMIN_TOKEN, see
 * admin-routes.ts): cancel an event, take a quarantined body in again, look up a customer.
 */
export function operatingRoutes(options: OperatingRoutesOptions): Hono {
  const { store, config, forwardSource, ingest, onEnqueued, logger } = options;
  const app = new Hono();

  app.post('/events/:id/cancel', async function cancelEvent(c) {
    const id = c.req.param('id');
    const result = await store.cancel(id, Date.now());
    if (result === 'not_found') throw new HttpError(404, 'not_found', `no event with id ${id}`);
    if (result === 'cancelled' || result === 'already_cancelled') {
      if (result === 'cancelled') {
        logger.warn({ eventId: id }, 'admin: event cancelled; it is never delivered');
        // Its customer's next event may be the head of the line now.
        onEnqueued();
      }
      return c.json({
        success: true,
        eventId: id,
        status: 'cancelled',
        ...(result === 'already_cancelled' ? { already: true } : {}),
      });
    }
    throw new HttpError(
      409,
      'conflict',
      `event ${id} ${NOT_CANCELLED[result]}; not cancelled`,
      undefined,
      result === 'in_flight' ? 5 : undefined,
    );
  });

  app.post('/quarantine/:id/reingest', async function reingest(c) {
    const id = c.req.param('id');
    const entry = await store.getQuarantine(id);
    if (!entry) throw new HttpError(404, 'not_found', `no quarantined body with id ${id}`);
    if (entry.truncated) {
      throw new HttpError(
        409,
        'conflict',
        `quarantined body ${id} was kept cut short (it was longer than what is kept): it cannot be taken in again`,
      );
    }
    const kind = WEBHOOK_ROUTES[entry.route as keyof typeof WEBHOOK_ROUTES];
    if (!kind) {
      throw new HttpError(
        409,
        'conflict',
        `quarantined body ${id} came to ${entry.route}, no webhook route now`,
      );
    }
    const now = Date.now();
    // The webhook's own checks and store, on the body as it came, at the time it came (so it is
    // paired with its login's other report); only the credentials are the admin token's.
    const outcome = await ingest({
      route: entry.route,
      kind,
      contentType: entry.contentType ?? undefined,
      read: async () => ({
        bytes: entry.body,
        tooLarge: entry.body.byteLength > config.maxBodyBytes,
      }),
      receivedAt: Date.parse(entry.receivedAt),
      now,
      reingest: { quarantineId: id, at: now },
    });
    switch (outcome.kind) {
      case 'accepted':
        logger.warn(
          { quarantineId: id, eventId: outcome.eventId },
          'admin: quarantined body taken in again',
        );
        return c.json({ success: true, eventId: outcome.eventId, status: outcome.status });
      case 'duplicate':
        return c.json({ success: true, duplicate: true, eventId: outcome.eventId });
      case 'unavailable':
        throw outcome.error;
      case 'rejected':
        logger.warn(
          { quarantineId: id, status: outcome.error.status, code: outcome.error.code },
          'admin: a quarantined body taken in again is still refused; it stays in quarantine',
        );
        throw new HttpError(
          outcome.error.status,
          outcome.error.code,
          `still refused (it stays in quarantine as ${id}): ${outcome.error.message}`,
          outcome.error.issues,
        );
    }
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
