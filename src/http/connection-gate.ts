import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

export interface ConnectionGateOptions {
  /** Requests of one connection handed to the app at once; the next ones wait their turn. */
  maxInFlight: number;
  /** Requests of one connection waiting their turn; one more and the connection is closed. */
  maxWaiting: number;
  /** Told when a connection is closed for pipelining past maxInFlight + maxWaiting. */
  onOverflow?: () => void;
}

/** What one connection has: requests in the app, requests waiting, whether reading is paused. */
interface Gate {
  inFlight: number;
  waiting: [IncomingMessage, ServerResponse][];
  paused: boolean;
  /** A turn of the event loop is asked for, to hand the next waiting requests to the app. */
  scheduled: boolean;
}

/**
 * Backpressure per connection for pipelined requests (HTTP/1.1 lets a client send requests
 * without waiting for the answers, and Node's server sets no limit of its own). Before, 24
 * connections pipelining 50,000 requests each without reading an answer took the service to
 * 1.1 GB and held a webhook past 20 s: every request read was handed to the app at once, and
 * one turn of the event loop read up to 2 MB of requests from each connection.
 * - At most `maxInFlight` requests of a connection are in the app; the next ones wait, in order
 *   (their answers go out in order anyway), and go to the app in later turns of the event loop,
 *   so other connections (a webhook) are served in between.
 * - While requests wait, or while the connection's answers are not being read (its write
 *   buffer is over the high-water mark), nothing more is read from it: what the client sends
 *   stays in the kernel's buffers and its own. Reading goes on once nothing waits and the
 *   buffer has drained.
 * - One read brings up to 64 KiB, which Node's parser parses whole: about 1,700 requests of a
 *   pipelining flood. Past `maxWaiting` the connection is closed; what was parsed after that
 *   is dropped unanswered. A client that waits for its answers never comes near it.
 */
export function gateConnections(listener: Listener, options: ConnectionGateOptions): Listener {
  const gates = new WeakMap<Socket, Gate>();

  function gateOf(socket: Socket): Gate {
    const known = gates.get(socket);
    if (known) return known;
    const gate: Gate = { inFlight: 0, waiting: [], paused: false, scheduled: false };
    gates.set(socket, gate);
    socket.on('drain', () => schedule(socket, gate));
    // Node resumes a socket by itself (to read a request's body, or once its own queue of
    // answers is short): while this gate holds it, it is paused again.
    socket.on('resume', () => {
      if (gate.paused) socket.pause();
    });
    // A connection that is gone: requests still waiting are dropped, never answered.
    socket.once('close', () => {
      gate.waiting.length = 0;
    });
    return gate;
  }

  /**
   * The next waiting requests go to the app in a turn of the event loop of their own: a read
   * brings hundreds of pipelined requests, and handing them all over in the turn that read them
   * would hold every other connection for as long as they take.
   */
  function schedule(socket: Socket, gate: Gate): void {
    if (gate.waiting.length === 0) {
      update(socket, gate);
      return;
    }
    if (gate.scheduled) return;
    gate.scheduled = true;
    setImmediate(function nextWaiting() {
      gate.scheduled = false;
      while (gate.inFlight < options.maxInFlight && gate.waiting.length > 0) {
        const [request, response] = gate.waiting.shift() as [IncomingMessage, ServerResponse];
        start(socket, gate, request, response);
      }
      update(socket, gate);
    });
  }

  /** Reads from the connection or not: not while requests wait or answers are not read. */
  function update(socket: Socket, gate: Gate): void {
    const hold = gate.waiting.length > 0 || socket.writableNeedDrain;
    if (hold === gate.paused || socket.destroyed) return;
    gate.paused = hold;
    if (hold) socket.pause();
    else socket.resume();
  }

  function start(
    socket: Socket,
    gate: Gate,
    request: IncomingMessage,
    response: ServerResponse,
  ): void {
    gate.inFlight++;
    response.once('close', function settled() {
      gate.inFlight--;
      schedule(socket, gate);
    });
    listener(request, response);
  }

  return function gated(request, response) {
    const socket = request.socket;
    // Closed for pipelining too far ahead: the rest of what was read is dropped.
    if (socket.destroyed) return;
    const gate = gateOf(socket);
    if (gate.inFlight < options.maxInFlight && gate.waiting.length === 0) {
      start(socket, gate, request, response);
    } else if (gate.waiting.length < options.maxWaiting) {
      gate.waiting.push([request, response]);
    } else {
      options.onOverflow?.();
      socket.destroy();
      return;
    }
    update(socket, gate);
  };
}
