import { createHmac, randomBytes } from 'node:crypto';
import { secretsEqual } from '../http/constant-time.js';
import type { Store } from '../store/store.js';

// The console's sessions. The cookie carries a random id, its end and an HMAC keyed from
// ADMIN_TOKEN (a forged or altered cookie is refused without a read; a new ADMIN_TOKEN ends
// every session). The id is also stored as a setting, which every instance reads: a sign-out
// at one instance deletes it, and the cookie is refused at all of them.

/** How long a session lasts from its sign-in. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
export const COOKIE_NAME = 'faceauth_console';
const SESSION_PREFIX = 'console:session:';

export interface Session {
  id: string;
  expiresAt: number;
  /** The CSRF token of every form of this session. */
  csrf: string;
}

export interface Sessions {
  /** A new session: the cookie's value and the session. */
  start(now: number): Promise<{ cookie: string; session: Session }>;
  /** The session of a cookie, if it is signed by this key, not expired and not ended. */
  read(cookie: string | undefined, now: number): Promise<Session | undefined>;
  end(session: Session): Promise<void>;
  /** Whether a form's CSRF token is the session's. */
  csrfMatches(session: Session, token: string | undefined): boolean;
}

type SessionStore = Pick<Store, 'getSetting' | 'setSetting' | 'deleteSetting' | 'listSettings'>;

export function createSessions(adminToken: string, store: SessionStore): Sessions {
  const key = createHmac('sha256', adminToken).update('faceauth-shim console').digest();
  const mac = (text: string) => createHmac('sha256', key).update(text).digest('base64url');
  const session = (id: string, expiresAt: number): Session => ({
    id,
    expiresAt,
    csrf: mac(`csrf.${id}`),
  });

  return {
    async start(now) {
      // Sessions that ran out are forgotten at the next sign-in.
      for (const old of await store.listSettings(SESSION_PREFIX)) {
        if (Number(old.value) <= now) await store.deleteSetting(old.key);
      }
      const id = randomBytes(18).toString('base64url');
      const expiresAt = now + SESSION_TTL_MS;
      await store.setSetting(`${SESSION_PREFIX}${id}`, String(expiresAt), now);
      return {
        cookie: `${id}.${expiresAt}.${mac(`${id}.${expiresAt}`)}`,
        session: session(id, expiresAt),
      };
    },
    async read(cookie, now) {
      const parts = (cookie ?? '').split('.');
      if (parts.length !== 3) return undefined;
      const [id, end, signature] = parts as [string, string, string];
      if (!secretsEqual(signature, mac(`${id}.${end}`))) return undefined;
      const expiresAt = Number(end);
      if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return undefined;
      const stored = await store.getSetting(`${SESSION_PREFIX}${id}`);
      if (stored?.value !== end) return undefined;
      return session(id, expiresAt);
    },
    async end(s) {
      await store.deleteSetting(`${SESSION_PREFIX}${s.id}`);
    },
    csrfMatches(s, token) {
      return secretsEqual(token, s.csrf);
    },
  };
}
