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
];
