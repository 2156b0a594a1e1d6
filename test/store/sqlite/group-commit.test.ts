import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/store/sqlite/connection.js';

// synchronous: 2 is FULL (every commit fsyncs the WAL), 1 is NORMAL (only checkpoints do).
const FULL = 2;
const NORMAL = 1;

describe('group commit', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function open() {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-group-commit-'));
    dirs.push(dir);
    const db = new Database(join(dir, 'test.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (n INTEGER)');
    const level = () => db.pragma('synchronous', { simple: true }) as number;
    return { db, commits: new GroupCommit(db), level };
  }

  it('commits a turn of delivery results without an fsync of its own, and goes back to FULL', async () => {
    const { db, commits, level } = open();
    const seen = await Promise.all([
      commits.write(() => level(), { durable: false }),
      commits.write(() => level(), { durable: false }),
    ]);
    expect(seen).toEqual([NORMAL, NORMAL]);
    expect(level()).toBe(FULL);
    db.close();
  });

  it('a turn with one durable write (an accept) commits with FULL, the results with it', async () => {
    const { db, commits, level } = open();
    const seen = await Promise.all([
      commits.write(() => level(), { durable: false }),
      commits.write(() => db.prepare('INSERT INTO t VALUES (1)').run() && level()),
    ]);
    expect(seen).toEqual([FULL, FULL]);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
  });

  it('goes back to FULL even when the relaxed batch fails', async () => {
    const { db, commits, level } = open();
    const failing = commits.write(() => db.prepare('INSERT INTO missing VALUES (1)').run(), {
      durable: false,
    });
    await expect(failing).rejects.toThrow();
    expect(level()).toBe(FULL);
    db.close();
  });
});
