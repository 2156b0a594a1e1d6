import type { PostgresDriver } from './driver.js';
import { PostgresConfigError } from './errors.js';
import { quoteIdentifier } from './pool-config.js';

// The PostgreSQL schema, and the runner that brings a database up to date when several
// instances start at the same moment: one transaction under an advisory lock, so exactly one of
// them applies each version and the others find it applied.
//
// Versions are the SQLite store's (src/store/sqlite/migrations.ts): schema 6 means the same
// tables and meanings on both. PostgreSQL starts at 6 (there was no PostgreSQL store before);
// a later change appends the same version to both lists.
//
// Types: times are bigint milliseconds since the epoch (as the SQLite store's INTEGER, and the
// driver reads bigint as a number); bodies are bytea, byte for byte what came in; JSON is text,
// so what is read back is the string that was written; flags are boolean.

export interface PostgresMigration {
  version: number;
  /** What it does and why, for the log. */
  title: string;
  sql: string;
}

/** Statuses an event can have (store.ts EVENT_STATUSES); a CHECK keeps anything else out. */
const STATUSES = `'pending', 'delivered', 'dead', 'shadowed', 'enriching', 'informational', 'superseded'`;

/** store/rules/bucket.ts bucketOf, as an SQL expression of a text column. */
export const BUCKET_SQL = (column: string) =>
  `((('x' || encode(substring(sha256(convert_to(${column}, 'UTF8')) from 1 for 4), 'hex'))::bit(32)::bigint * 10000) / 4294967296)::int`;

/** How many rows of event_counts each status is spread over (see the trigger). */
export const COUNT_SLOTS = 16;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 6,
    title: 'the store as of SQLite schema 6, with the constraints several instances need',
    sql: `
  CREATE TABLE events (
    -- Arrival order. Identity values are handed out at insert, not at commit: for one order key,
    -- the store serialises its inserts (a transaction-scoped advisory lock on the key) so that
    -- seq order is commit order where it matters.
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               text NOT NULL UNIQUE,
    source           text NOT NULL,
    route            text NOT NULL,
    received_at      bigint NOT NULL,
    dedup_key        text NOT NULL,
    content_type     text NOT NULL,
    raw_body         bytea NOT NULL,
    normalized       text,
    result_status    text,
    reason           text,
    customer_id      text,
    interview_id     text,
    status           text NOT NULL CHECK (status IN (${STATUSES})),
    forward_format   text,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    delivered_at     bigint,
    duplicates       integer NOT NULL DEFAULT 0,
    -- What the callback gets when it differs from the raw body; kept for a replay.
    forward_body     bytea,
    -- A shadowed event is forwarded after all at this time if no counterpart arrived.
    fallback_at      bigint,
    -- The LEGACY_ONLY_FIELDS its legacy-shaped body carried, JSON.
    legacy_fields    text,
    event_name       text,
    note             text,
    enrichment       text,
    enrich_deadline  bigint,
    enrich_wait      bigint,
    enrich_next_at   bigint,
    enrich_attempts  integer NOT NULL DEFAULT 0,
    enrich_error     text,
    -- Which instance asked the Incode API for its score (claimEnrichment), until enrich_next_at.
    enrich_leased_by text,
    shadowed         boolean NOT NULL DEFAULT false,
    -- A successful attempt, kept on the row (a failure gets a delivery_attempts row).
    delivered_status integer,
    delivered_ms     integer
  );
  CREATE INDEX events_status ON events (status, seq);
  CREATE INDEX events_fallback ON events (fallback_at) WHERE fallback_at IS NOT NULL;
  CREATE INDEX events_counterpart ON events (customer_id, received_at);
  CREATE INDEX events_received ON events (received_at);
  CREATE INDEX events_interview ON events (interview_id) WHERE interview_id IS NOT NULL;
  CREATE INDEX events_enriching ON events (enrich_next_at) WHERE status = 'enriching';
  CREATE INDEX events_prunable ON events (received_at)
    WHERE status IN ('delivered', 'shadowed', 'informational', 'superseded') AND fallback_at IS NULL;

  -- A redelivered body is found here while DEDUP_WINDOW lasts. The primary key decides a race:
  -- two instances inserting one key at once, the second waits for the first to commit and then
  -- sees the conflict (INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE the kept key is older
  -- than the window RETURNING event_id: no row back means a duplicate).
  CREATE TABLE dedup_keys (
    key         text PRIMARY KEY,
    event_id    text NOT NULL,
    received_at bigint NOT NULL
  );
  CREATE INDEX dedup_keys_received ON dedup_keys (received_at);

  CREATE TABLE outbox (
    event_id        text PRIMARY KEY REFERENCES events (id),
    body            bytea NOT NULL,
    next_attempt_at bigint NOT NULL,
    -- Claimed until then (FOR UPDATE SKIP LOCKED); an expired lease is anyone's to take.
    lease_until     bigint,
    -- Which instance holds the lease: its results are written only while it still does.
    leased_by       text,
    seq             bigint NOT NULL,
    order_key       text NOT NULL,
    -- This round's attempts (a replay starts the schedule again).
    attempts        integer NOT NULL DEFAULT 0,
    CHECK ((lease_until IS NULL) = (leased_by IS NULL))
  );
  -- Claims read due rows in (next_attempt_at, seq) order.
  CREATE INDEX outbox_due_seq ON outbox (next_attempt_at, seq);
  -- Head of line: no earlier row of the same order key may be waiting.
  CREATE INDEX outbox_order ON outbox (order_key, seq);

  CREATE TABLE delivery_attempts (
    event_id    text NOT NULL REFERENCES events (id),
    attempt     integer NOT NULL,
    at          bigint NOT NULL,
    duration_ms integer NOT NULL,
    status_code integer,
    error       text,
    PRIMARY KEY (event_id, attempt)
  );

  -- One pair per event, whichever instance sees the second event of an authentication: the
  -- UNIQUE constraints decide a race (ON CONFLICT DO NOTHING, then read who won).
  CREATE TABLE pairs (
    legacy_id     text NOT NULL UNIQUE REFERENCES events (id),
    workflows_id  text NOT NULL UNIQUE REFERENCES events (id),
    paired_at     bigint NOT NULL,
    status_agrees boolean NOT NULL,
    reason_agrees boolean NOT NULL,
    kind          text,
    differences   text NOT NULL
  );

  CREATE TABLE quarantine (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text NOT NULL UNIQUE,
    received_at  bigint NOT NULL,
    route        text NOT NULL,
    content_type text,
    http_status  integer NOT NULL,
    code         text NOT NULL,
    message      text NOT NULL,
    issues       text,
    body         bytea NOT NULL,
    truncated    boolean NOT NULL
  );
  CREATE INDEX quarantine_received ON quarantine (received_at);

  -- Run-time settings (PUT /admin/forward-source): every instance reads them; updated_at tells
  -- a poller what changed.
  CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at bigint NOT NULL
  );

  -- Counts by status, kept by a trigger, so GET /metrics reads a few rows, not every event.
  -- One row per status would make every insert of concurrent transactions wait on the same
  -- row; each connection counts in a slot of its own (backend pid), and a read sums them.
  CREATE TABLE event_counts (
    status text NOT NULL,
    slot   smallint NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (status, slot)
  );
  CREATE FUNCTION event_counts_track() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
  DECLARE
    s smallint := pg_backend_pid() % ${COUNT_SLOTS};
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      INSERT INTO event_counts AS c (status, slot, n) VALUES (OLD.status, s, -1)
        ON CONFLICT (status, slot) DO UPDATE SET n = c.n - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      INSERT INTO event_counts AS c (status, slot, n) VALUES (NEW.status, s, 1)
        ON CONFLICT (status, slot) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER events_count_insert AFTER INSERT OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION event_counts_track();
  CREATE TRIGGER events_count_update AFTER UPDATE OF status ON events
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION event_counts_track();
  `,
  },
  {
    version: 7,
    title: 'the cut-over guard counts the pairs of moved customers with one index range',
    // As SQLite's 7: each pair keeps its customer's bucket (store/rules/bucket.ts, written by the
    // store). A PostgreSQL store is new in the version that brings 7: no pair to backfill.
    sql: `
  ALTER TABLE pairs ADD COLUMN bucket integer;
  CREATE INDEX pairs_completed ON pairs (paired_at, bucket, status_agrees, reason_agrees);
  `,
  },
  {
    version: 8,
    title: "SQLite's 8 flags the heads of the outbox lines for its claims; nothing here",
    // The SQLite store keeps a blocked flag by triggers so that a claim reads only the heads of
    // the lines. Here the same flag would race between an accept and a delivery of one customer
    // at two instances; the PostgreSQL claim keeps finding heads through its indexes. The
    // version is kept in step with SQLite's.
    sql: 'SELECT 1',
  },
  {
    version: 9,
    title: 'one callback per login: pairs made before their comparison, the bucket of each event',
    // As SQLite's 9. The bucket here is store/rules/bucket.ts in SQL: the first 4 bytes of the
    // SHA-256 of the customer id as an unsigned number, times 10 000, divided by 2^32 (a test
    // holds the two to the same answer).
    sql: `
  ALTER TABLE pairs ALTER COLUMN status_agrees DROP NOT NULL,
    ALTER COLUMN reason_agrees DROP NOT NULL,
    ALTER COLUMN differences DROP NOT NULL,
    ADD COLUMN first_at bigint,
    ADD COLUMN forwarded text;
  UPDATE pairs p SET first_at = least(l.received_at, w.received_at),
    forwarded = CASE WHEN l.status IN ('pending', 'delivered', 'dead') THEN 'legacy'
                     WHEN w.status IN ('pending', 'delivered', 'dead') THEN 'workflows' END
    FROM events l, events w WHERE l.id = p.legacy_id AND w.id = p.workflows_id;
  ALTER TABLE pairs ALTER COLUMN first_at SET NOT NULL;
  CREATE INDEX pairs_first ON pairs (first_at);
  ALTER TABLE events ADD COLUMN bucket integer;
  UPDATE events SET bucket = ${BUCKET_SQL('customer_id')} WHERE customer_id IS NOT NULL;
  CREATE INDEX events_population ON events (received_at, bucket, status, result_status);
  `,
  },
  {
    version: 10,
    title: 'operating the migration: order holds, cancelled events, re-ingested quarantine',
    // As SQLite's 10. The CHECK on statuses takes cancelled; the PostgreSQL claim finds heads
    // through its indexes, so a held entry that steps out of its line only changes its order_key.
    sql: `
  ALTER TABLE events DROP CONSTRAINT events_status_check,
    ADD CONSTRAINT events_status_check CHECK (status IN ('pending', 'delivered', 'dead', 'shadowed',
      'enriching', 'informational', 'superseded', 'cancelled')),
    ADD COLUMN hold_released_at bigint;
  ALTER TABLE outbox ADD COLUMN hold_until bigint;
  CREATE INDEX outbox_holds ON outbox (hold_until) WHERE hold_until IS NOT NULL;
  ALTER TABLE quarantine ADD COLUMN reingested_event_id text, ADD COLUMN reingested_at bigint;
  DROP INDEX events_prunable;
  CREATE INDEX events_prunable ON events (received_at)
    WHERE status IN ('delivered', 'shadowed', 'informational', 'superseded', 'cancelled')
      AND fallback_at IS NULL;
  `,
  },
];

/** The newest schema version this code knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;

/** The advisory lock key of a schema's migrations: one lock per schema, the same in every instance. */
export function migrationLockKey(schema: string): string {
  return `faceauth-shim migrate ${schema}`;
}

export interface MigrationResult {
  /** The version found (0: an empty schema). */
  from: number;
  to: number;
  /** The versions this call applied; empty when another instance had done it. */
  applied: number[];
}

/**
 * Brings the driver's schema (options.schema, or public) to the newest version, creating the
 * schema if it is missing. Safe when several instances run it at the same moment: one
 * transaction holds pg_advisory_xact_lock for the schema, reads schema_version, applies what is
 * missing and records it; the others wait for the lock and find nothing left to do. A schema
 * newer than this code refuses the start (PostgresConfigError): an older version would misread
 * it.
 */
export async function migrate(
  driver: PostgresDriver,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<MigrationResult> {
  const schema = driver.options.schema;
  const newest = migrations.at(-1)?.version ?? 0;
  return driver.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      migrationLockKey(schema ?? 'public'),
    ]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_version (
         version    integer PRIMARY KEY,
         title      text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_version',
    );
    const from = rows[0]?.version ?? 0;
    if (from > newest) {
      throw new PostgresConfigError(
        `${driver.config.display}: the database has schema ${from}, newer than this version of faceauth-shim knows (${newest}); run the newer version, or restore the copy taken before the upgrade`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, title) VALUES ($1, $2)', [
        migration.version,
        migration.title,
      ]);
      applied.push(migration.version);
    }
    return { from, to: Math.max(from, newest), applied };
  });
}
