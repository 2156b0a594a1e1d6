// The baseline of `npm run bench`, run as its own process: a bare Hono app on
// @hono/node-server answering the webhook route with {"success":true} after JSON.parse of the
// body. No authentication, no storage: the ceiling of the HTTP stack on this machine.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.post('/webhooks/legacy/authentication', async (c) => {
  JSON.parse(await c.req.text());
  return c.json({ success: true });
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.once('SIGTERM', () => server.close(() => process.exit(0)));
