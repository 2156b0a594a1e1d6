#!/usr/bin/env node
// A stand-in for your existing callback, to try faceauth-shim with (README, "Try it"):
// prints each delivery it gets (the faceauth headers and the body) and answers 200.
//
//   node scripts/stand-in-callback.mjs [port]      (default 9090, on 127.0.0.1)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 9090);
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const headers = ['x-faceauth-source', 'x-faceauth-event-id']
      .map((name) => `${name}: ${request.headers[name] ?? '-'}`)
      .join('  ');
    process.stdout.write(
      `${request.method} ${request.url}  ${headers}\n${Buffer.concat(chunks).toString('utf8')}\n\n`,
    );
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
server.listen(port, '127.0.0.1', () => {
  const { port: listening } = server.address();
  process.stdout.write(`stand-in callback listening on http://127.0.0.1:${listening}/callback\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)));
