import type Database from 'better-sqlite3';
import { StoreUnavailableError } from '../errors.js';
import { bucketOf } from '../rules/bucket.js';

/**
 * Schema of the embedded store, one entry per version (PRAGMA user_version). Append only:
 * a store written by an older version is brought up to date at start.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    source         TEXT NOT NULL,
    route          TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    dedup_key      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    raw_body       BLOB NOT NULL,
    normalized     TEXT NOT NULL,
    result_status  TEXT NOT NULL,
    reason         TEXT,
    customer_id    TEXT,
    interview_id   TEXT,
    status         TEXT NOT NULL,
    forward_format TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    delivered_at   INTEGER,
    duplicates     INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX events_dedup ON events (dedup_key, received_at);
  CREATE INDEX events_status ON events (status, seq);
  CREATE INDEX events_source ON events (source, seq);

  CREATE TABLE outbox (
    event_id        TEXT PRIMARY KEY REFERENCES events (id),
    body            BLOB NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER
  );
  CREATE INDEX outbox_due ON outbox (next_attempt_at);

  CREATE TABLE delivery_attempts (
    event_id    TEXT NOT NULL REFERENCES events (id),
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    PRIMARY KEY (event_id, attempt)
  );

  CREATE TABLE quarantine (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    received_at  INTEGER NOT NULL,
    route        TEXT NOT NULL,
    content_type TEXT,
    http_status  INTEGER NOT NULL,
    code         TEXT NOT NULL,
    message      TEXT NOT NULL,
    issues       TEXT,
    body         BLOB NOT NULL,
    truncated    INTEGER NOT NULL
  );
  `,
  // 2: replay, per-customer order, run-time settings, shadow fallback.
  `
  -- What the callback gets, when it differs from the raw body (rendered or normalized);
  -- kept after delivery so an event can be replayed exactly.
  ALTER TABLE events ADD COLUMN forward_body BLOB;
  -- A shadowed event is forwarded after all at this time if no counterpart arrived.
  ALTER TABLE events ADD COLUMN fallback_at INTEGER;
  CREATE INDEX events_fallback ON events (fallback_at) WHERE fallback_at IS NOT NULL;
  CREATE INDEX events_counterpart ON events (customer_id, received_at);

  -- Entries of one customer leave in arrival order; attempts counts this round only
  -- (a replay starts the schedule again).
  ALTER TABLE outbox ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN order_key TEXT NOT NULL DEFAULT '';
  ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  UPDATE outbox SET
    seq = (SELECT e.seq FROM events e WHERE e.id = outbox.event_id),
    order_key = (SELECT coalesce(e.customer_id, e.id) FROM events e WHERE e.id = outbox.event_id),
    attempts = (SELECT e.attempts FROM events e WHERE e.id = outbox.event_id);
  CREATE INDEX outbox_order ON outbox (order_key, seq);
  -- Claims read due entries in (next_attempt_at, seq) order: after a replay of every dead
  -- event they all share one next_attempt_at, and a sort per claim would be slow.
  CREATE INDEX outbox_due_seq ON outbox (next_attempt_at, seq);
  -- Events waiting at the upgrade keep the body they were rendered with, for a replay.
  UPDATE events SET forward_body = (SELECT o.body FROM outbox o WHERE o.event_id = events.id)
    WHERE id IN (SELECT event_id FROM outbox);

  CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 3: comparison pairs, made when the second event of an authentication arrives.
  `
  -- The LEGACY_ONLY_FIELDS the event's legacy-shaped body carried (raw or rendered), JSON.
  ALTER TABLE events ADD COLUMN legacy_fields TEXT;
  CREATE INDEX events_received ON events (received_at);
  CREATE TABLE pairs (
    legacy_id     TEXT NOT NULL UNIQUE REFERENCES events (id),
    workflows_id  TEXT NOT NULL UNIQUE REFERENCES events (id),
    paired_at     INTEGER NOT NULL,
    status_agrees INTEGER NOT NULL,
    reason_agrees INTEGER NOT NULL,
    kind          TEXT,
    differences   TEXT NOT NULL
  );
  `,
  // 4: session and onboarding webhooks, and the score from Incode's API. An event that says
  // nothing about a face authentication (SESSION_STARTED) has no normalized result, and
  // SQLite cannot drop a NOT NULL: the events table is rebuilt (foreign keys are off while
  // migrations run, and checked after).
  `
  CREATE TABLE events_v4 (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    source          TEXT NOT NULL,
    route           TEXT NOT NULL,
    received_at     INTEGER NOT NULL,
    dedup_key       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    raw_body        BLOB NOT NULL,
    normalized      TEXT,
    result_status   TEXT,
    reason          TEXT,
    customer_id     TEXT,
    interview_id    TEXT,
    status          TEXT NOT NULL,
    forward_format  TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    delivered_at    INTEGER,
    duplicates      INTEGER NOT NULL DEFAULT 0,
    forward_body    BLOB,
    fallback_at     INTEGER,
    legacy_fields   TEXT,
    -- SESSION_SUCCEEDED, ONBOARDING_FINISHED, ... (null for the legacy and Face Authentication webhooks)
    event_name      TEXT,
    -- Why an informational or superseded event is not forwarded.
    note            TEXT,
    -- GET /omni/get/score: null (not asked), scored, unavailable; while waiting, status is enriching.
    enrichment      TEXT,
    enrich_deadline INTEGER,
    -- ENRICH_MAX_WAIT as it was when the event arrived: a replay waits as long again.
    enrich_wait     INTEGER,
    enrich_next_at  INTEGER,
    enrich_attempts INTEGER NOT NULL DEFAULT 0,
    enrich_error    TEXT,
    -- Decided at arrival: stored and compared, not forwarded (also while it waits for its score).
    shadowed        INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO events_v4 (seq, id, source, route, received_at, dedup_key, content_type, raw_body,
    normalized, result_status, reason, customer_id, interview_id, status, forward_format, attempts,
    last_error, delivered_at, duplicates, forward_body, fallback_at, legacy_fields, shadowed)
  SELECT seq, id, source, route, received_at, dedup_key, content_type, raw_body,
    normalized, result_status, reason, customer_id, interview_id, status, forward_format, attempts,
    last_error, delivered_at, duplicates, forward_body, fallback_at, legacy_fields,
    status = 'shadowed' FROM events;
  DROP TABLE events;
  ALTER TABLE events_v4 RENAME TO events;
  CREATE INDEX events_dedup ON events (dedup_key, received_at);
  CREATE INDEX events_status ON events (status, seq);
  CREATE INDEX events_source ON events (source, seq);
  CREATE INDEX events_fallback ON events (fallback_at) WHERE fallback_at IS NOT NULL;
  CREATE INDEX events_counterpart ON events (customer_id, received_at);
  CREATE INDEX events_received ON events (received_at);
  -- One authentication, several Workflows webhooks: found by interview.
  CREATE INDEX events_interview ON events (interview_id) WHERE interview_id IS NOT NULL;
  CREATE INDEX events_enriching ON events (enrich_next_at) WHERE status = 'enriching';
  `,
  // 5: costs that do not grow with the history. Counts by status kept by triggers (GET
  // /metrics reads six rows, not every event), and an index of what RETENTION may prune.
  `
  CREATE TABLE event_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO event_counts (status, n) SELECT status, COUNT(*) FROM events GROUP BY status;
  CREATE TRIGGER events_count_insert AFTER INSERT ON events BEGIN
    INSERT INTO event_counts (status, n) VALUES (NEW.status, 1)
      ON CONFLICT (status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER events_count_delete AFTER DELETE ON events BEGIN
    UPDATE event_counts SET n = n - 1 WHERE status = OLD.status;
  END;
  CREATE TRIGGER events_count_update AFTER UPDATE OF status ON events
    WHEN OLD.status <> NEW.status BEGIN
    UPDATE event_counts SET n = n - 1 WHERE status = OLD.status;
    INSERT INTO event_counts (status, n) VALUES (NEW.status, 1)
      ON CONFLICT (status) DO UPDATE SET n = n + 1;
  END;
  -- Events nothing will happen to any more; pending, enriching and dead ones are never pruned.
  CREATE INDEX events_prunable ON events (received_at)
    WHERE status IN ('delivered', 'shadowed', 'informational', 'superseded') AND fallback_at IS NULL;
  CREATE INDEX quarantine_received ON quarantine (received_at);
  `,
  // 6: fewer page writes per event (the fast path). Redeliveries are found in a small table of
  // their own, pruned after DEDUP_WINDOW, instead of an index over every event's random key;
  // the admin list filters by source without an index of its own; and a successful attempt is
  // kept on the event row (status code, duration) instead of a row of its own: an attempt row
  // is written where it tells the operator something, a failure.
  `
  CREATE TABLE dedup_keys (
    key         TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL,
    received_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO dedup_keys (key, event_id, received_at)
    SELECT dedup_key, id, received_at FROM events e
    WHERE seq = (SELECT max(seq) FROM events d WHERE d.dedup_key = e.dedup_key);
  CREATE INDEX dedup_keys_received ON dedup_keys (received_at);
  DROP INDEX events_dedup;
  DROP INDEX events_source;
  ALTER TABLE events ADD COLUMN delivered_status INTEGER;
  ALTER TABLE events ADD COLUMN delivered_ms INTEGER;
  `,
  // 7: the cut-over guard counts the pairs of moved customers with one index range: each pair
  // keeps its customer's bucket (cutover/bucket.ts, computed in JS: faceauth_bucket is the
  // function migrate registers); paired_at is when its second event arrived.
  `
  ALTER TABLE pairs ADD COLUMN bucket INTEGER;
  UPDATE pairs SET bucket = faceauth_bucket(
    (SELECT coalesce(l.customer_id, w.customer_id) FROM events l, events w
      WHERE l.id = pairs.legacy_id AND w.id = pairs.workflows_id));
  CREATE INDEX pairs_completed ON pairs (paired_at, bucket, status_agrees, reason_agrees);
  `,
  // 8: a claim reads only the heads of the lines. Each entry says whether an earlier entry of
  // its customer waits before it (blocked), kept by triggers as entries come and go, and the
  // claim's index holds only the entries that are not: with one customer's events piled up
  // behind a retry, a claim used to step over every waiting entry, and at a backlog of 20,000
  // each claim took 12 ms, often enough to stall delivery altogether.
  `
  ALTER TABLE outbox ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
  UPDATE outbox SET blocked = EXISTS (
    SELECT 1 FROM outbox p WHERE p.order_key = outbox.order_key AND p.seq < outbox.seq);
  DROP INDEX IF EXISTS outbox_due;
  DROP INDEX IF EXISTS outbox_due_seq;
  CREATE INDEX outbox_heads ON outbox (next_attempt_at, seq) WHERE blocked = 0;
  -- A new entry waits behind an earlier one of its line; a replay goes back to its original
  -- place, so the entries after it wait again.
  CREATE TRIGGER outbox_line_insert AFTER INSERT ON outbox BEGIN
    UPDATE outbox SET blocked = 1 WHERE event_id = NEW.event_id
      AND EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = NEW.order_key AND p.seq < NEW.seq);
    UPDATE outbox SET blocked = 1 WHERE order_key = NEW.order_key AND seq > NEW.seq AND blocked = 0;
  END;
  -- The head leaves (delivered, dead, dropped): the next entry of its line is the head now.
  CREATE TRIGGER outbox_line_delete AFTER DELETE ON outbox BEGIN
    UPDATE outbox SET blocked = 0 WHERE blocked = 1 AND event_id = (
      SELECT event_id FROM outbox WHERE order_key = OLD.order_key ORDER BY seq LIMIT 1);
  END;
  `, // 9: one callback per login. A pair is the two reports of one login, made when the second
  // arrives, before either has a result to compare when one waits for its score: its comparison
  // is filled in later (nullable now; SQLite cannot drop a NOT NULL, so the table is rebuilt).
  // It says which report the callback gets (forwarded) and when the login began (first_at,
  // which ranges count logins by). Events keep their customer's cut-over bucket, so the guard
  // compares the populations of moved and not moved customers with one index range.
  `
  CREATE TABLE pairs_v9 (
    legacy_id     TEXT NOT NULL UNIQUE REFERENCES events (id),
    workflows_id  TEXT NOT NULL UNIQUE REFERENCES events (id),
    paired_at     INTEGER NOT NULL,
    first_at      INTEGER NOT NULL,
    forwarded     TEXT,
    status_agrees INTEGER,
    reason_agrees INTEGER,
    kind          TEXT,
    differences   TEXT,
    bucket        INTEGER
  );
  INSERT INTO pairs_v9 (legacy_id, workflows_id, paired_at, first_at, forwarded, status_agrees,
      reason_agrees, kind, differences, bucket)
    SELECT p.legacy_id, p.workflows_id, p.paired_at, min(l.received_at, w.received_at),
      CASE WHEN l.status IN ('pending', 'delivered', 'dead') THEN 'legacy'
           WHEN w.status IN ('pending', 'delivered', 'dead') THEN 'workflows' END,
      p.status_agrees, p.reason_agrees, p.kind, p.differences, p.bucket
    FROM pairs p JOIN events l ON l.id = p.legacy_id JOIN events w ON w.id = p.workflows_id;
  DROP TABLE pairs;
  ALTER TABLE pairs_v9 RENAME TO pairs;
  CREATE INDEX pairs_completed ON pairs (paired_at, bucket, status_agrees, reason_agrees);
  CREATE INDEX pairs_first ON pairs (first_at);
  ALTER TABLE events ADD COLUMN bucket INTEGER;
  UPDATE events SET bucket = faceauth_bucket(customer_id) WHERE customer_id IS NOT NULL;
  CREATE INDEX events_population ON events (received_at, bucket, status, result_status);
  `,
  // 10: operating the migration. An entry the callback refuses holds its customer's line until
  // hold_until (ORDER_HOLD_MAX from its first failure), then steps out of it (its order_key
  // becomes its own id: a line of its own, so the blocked flags of schema 8 stay right through
  // their triggers) and the event keeps when that happened; the claim's index of heads is
  // untouched. Operators cancel events (status cancelled, settled: RETENTION may prune it) and
  // take quarantined bodies in again (the entry names the event it became).
  `
  ALTER TABLE outbox ADD COLUMN hold_until INTEGER;
  CREATE INDEX outbox_holds ON outbox (hold_until) WHERE hold_until IS NOT NULL;
  -- An entry steps out of its line (order_key becomes its own id): it is a line of its own, and
  -- the next entry of the line it left is the head now.
  CREATE TRIGGER outbox_line_leave AFTER UPDATE OF order_key ON outbox
    WHEN OLD.order_key <> NEW.order_key BEGIN
    UPDATE outbox SET blocked = 0 WHERE event_id = NEW.event_id AND blocked = 1;
    UPDATE outbox SET blocked = 0 WHERE blocked = 1 AND event_id = (
      SELECT event_id FROM outbox WHERE order_key = OLD.order_key ORDER BY seq LIMIT 1);
  END;
  ALTER TABLE events ADD COLUMN hold_released_at INTEGER;
  ALTER TABLE quarantine ADD COLUMN reingested_event_id TEXT;
  ALTER TABLE quarantine ADD COLUMN reingested_at INTEGER;
  DROP INDEX events_prunable;
  CREATE INDEX events_prunable ON events (received_at)
    WHERE status IN ('delivered', 'shadowed', 'informational', 'superseded', 'cancelled')
      AND fallback_at IS NULL;
  `,
];

/** Brings the schema up to date, one version per transaction (PRAGMA user_version). */
export function migrate(db: Database.Database): void {
  // Migrations 7 and 9 give each stored pair and event its customer's cut-over bucket, as the store does.
  db.function('faceauth_bucket', { deterministic: true }, (customerId: unknown) =>
    typeof customerId === 'string' ? bucketOf(customerId) : null,
  );
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new StoreUnavailableError(
      `store: the database is at schema version ${current}, newer than this faceauth-shim (${SQLITE_MIGRATIONS.length})`,
    );
  }
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version] as string);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new StoreUnavailableError(
          `store: migration to schema version ${version + 1} left ${broken.length} broken references`,
        );
      }
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
