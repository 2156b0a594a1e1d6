import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { gateConnections } from './connection-gate.js';
import { HttpError } from './http-error.js';

export interface NodeServerOptions {
  fetch: (
    request: Request,
    env: { incoming: IncomingMessage; outgoing: ServerResponse },
  ) => Response | Promise<Response>;
  /** A request's headers and body must arrive within this time (REQUEST_TIMEOUT). */
  requestTimeoutMs: number;
  logger: Logger;
  metrics: Metrics;
}

/** An idle keep-alive connection is closed after this long (Node's default, stated). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** The header section must arrive within this time, or REQUEST_TIMEOUT if shorter. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Node's limit on the header section (its default): larger gets 431. */
export const MAX_HEADER_BYTES = 16_384;
/**
 * Pipelined requests of one connection in the app at once, and waiting behind them (see
 * connection-gate.ts). A client that waits for each answer (Incode, a browser, curl) has one;
 * one that sends more than both before reading an answer is disconnected.
 */
export const MAX_IN_FLIGHT_PER_CONNECTION = 8;
export const MAX_WAITING_PER_CONNECTION = 256;

/**
 * The Node HTTP server around the Hono app, with every wait bounded:
 * - the header section within HEADERS_TIMEOUT_MS, the whole request within REQUEST_TIMEOUT
 *   (checked every second, so a slow sender is cut within a second of it), else 408;
 * - idle keep-alive connections closed after KEEP_ALIVE_TIMEOUT_MS;
 * - pipelined requests: at most MAX_IN_FLIGHT_PER_CONNECTION of a connection in the app, and
 *   nothing more read from a connection whose answers are not being read (connection-gate.ts);
 * - `Expect: 100-continue` is not answered before the app has checked the route and the
 *   credentials: the body reader sends `100 Continue` when it starts reading (read-body.ts);
 * - what Node answers by itself (a timeout, a header section over 16 KB, a request it cannot
 *   parse) gets docs/contract.md's JSON error body, is counted, and logged at debug: it is the
 *   client's doing.
 */
export function createNodeServer(options: NodeServerOptions): Server {
  const { requestTimeoutMs, logger, metrics } = options;
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs),
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    gateConnections(getRequestListener(options.fetch as Parameters<typeof getRequestListener>[0]), {
      maxInFlight: MAX_IN_FLIGHT_PER_CONNECTION,
      maxWaiting: MAX_WAITING_PER_CONNECTION,
      onOverflow() {
        metrics.clientErrors.inc({ kind: 'pipeline_overflow' });
        logger.debug(
          { kind: 'pipeline_overflow' },
          'http: a connection pipelined too many requests ahead of its answers; closed',
        );
      },
    }),
  );
  server.on('checkContinue', function deferContinue(request, response) {
    server.emit('request', request, response);
  });
  server.on(
    'clientError',
    function answerClientError(error: NodeJS.ErrnoException, socket: Socket) {
      const answer = clientErrorAnswer(error.code);
      metrics.clientErrors.inc({ kind: answer?.code ?? 'client_closed' });
      logger.debug(
        { code: error.code, kind: answer?.code ?? 'client_closed' },
        'http: client error',
      );
      // As Node does by itself: answer only where nothing of a response went out yet.
      const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (answer && socket.writable && !inFlight?.headersSent) {
        const body = JSON.stringify(answer.toBody());
        socket.end(
          `HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status]}\r\n` +
            'Content-Type: application/json\r\n' +
            `Content-Length: ${Buffer.byteLength(body)}\r\n` +
            'Cache-Control: no-store\r\n' +
            'X-Content-Type-Options: nosniff\r\n' +
            'Connection: close\r\n\r\n' +
            body,
        );
      }
      socket.destroySoon();
    },
  );
  return server;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** What a client error is answered with; undefined where the client is gone (a reset). */
function clientErrorAnswer(code: string | undefined): HttpError | undefined {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpError(
        408,
        'request_timeout',
        'the request did not arrive in time (REQUEST_TIMEOUT); send it again',
      );
    case 'HPE_HEADER_OVERFLOW':
      return new HttpError(
        431,
        'headers_too_large',
        `the header section is larger than ${MAX_HEADER_BYTES} bytes`,
      );
    default:
      return new HttpError(
        400,
        'bad_request',
        'the request is not valid HTTP/1.1 (for example a body longer than its Content-Length)',
      );
  }
}
