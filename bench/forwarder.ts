// The bare forwarder of `npm run bench`, run as its own process: a Hono app on
// @hono/node-server that forwards each POST to CALLBACK_URL with undici (a Pool of as many
// connections as the service's CALLBACK_CONCURRENCY default) and answers {"success":true}
// after the callback answered. No authentication, no storage, no retries: what forwarding
// costs on this machine, so that the service's rate over it is what durability costs.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Pool } from 'undici';

const target = new URL(process.env.CALLBACK_URL ?? '');
const pool = new Pool(target.origin, { connections: 16, keepAliveTimeout: 30_000 });
const headers = { 'content-type': 'application/json' };

const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.post('/webhooks/legacy/authentication', async (c) => {
  const body = await c.req.text();
  JSON.parse(body);
  const answer = await pool.request({ method: 'POST', path: target.pathname, headers, body });
  await answer.body.dump();
  return answer.statusCode === 200 ? c.json({ success: true }) : c.json({ success: false }, 502);
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.once('SIGTERM', () => server.close(() => process.exit(0)));
