import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** A connection that writes raw bytes and keeps everything the server sends back. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves once the server closed the connection (or `timeoutMs` passed: then rejects). */
  closed(timeoutMs?: number): Promise<string>;
  /** Resolves once `pattern` shows in what was received, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Opens a TCP connection to the service at `url` (http://host:port). */
export async function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  let text = '';
  const listeners = new Set<() => void>();
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    for (const listener of listeners) listener();
  });
  socket.on('close', () => {
    isClosed = true;
    for (const listener of listeners) listener();
  });
  const wait = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(text);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; got: ${text.slice(0, 500)}`,
          ),
        );
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return {
    socket,
    received: () => text,
    closed: (timeoutMs = 10_000) => wait(() => isClosed, 'the server to close', timeoutMs),
    waitFor: (pattern, timeoutMs = 10_000) =>
      wait(() => pattern.test(text), String(pattern), timeoutMs),
  };
}

/** The status codes and JSON bodies of the HTTP responses in `text`, in order. */
export function responsesIn(text: string): { status: number; body: string; head: string }[] {
  const out: { status: number; body: string; head: string }[] = [];
  let rest = text;
  for (;;) {
    const start = rest.indexOf('HTTP/1.1 ');
    if (start < 0) return out;
    rest = rest.slice(start);
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const head = rest.slice(0, end);
    const status = Number(head.slice(9, 12));
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (status === 100) {
      out.push({ status, body: '', head });
      rest = rest.slice(end + 4);
      continue;
    }
    const body = rest.slice(end + 4, end + 4 + length);
    out.push({ status, body, head });
    rest = rest.slice(end + 4 + length);
  }
}

/** Resident memory of a process, in MB (from /proc; Linux). */
export function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for process ${pid}`);
  return kb / 1024;
}
