import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from './postgres.js';
import { type Cluster, startCluster } from './postgres-cluster.js';

async function select1(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    return rows[0]?.one ?? 0;
  } finally {
    await client.end().catch(() => {});
  }
}

describeCluster('the throwaway PostgreSQL cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ password: 'pa ss/wörd' });
  }, 60_000);
  afterAll(() => cluster?.destroy());

  it('starts on a free port and takes its password, not another', async () => {
    expect(cluster.port).toBeGreaterThan(0);
    expect(await select1(cluster.url())).toBe(1);
    await expect(select1(cluster.url({ password: 'wrong' }))).rejects.toMatchObject({
      code: '28P01',
    });
  });

  it('stops (connections are refused) and starts again with its data', async () => {
    const before = new pg.Client({ connectionString: cluster.url() });
    await before.connect();
    await before.query('CREATE TABLE kept (n int)');
    await before.end();
    await cluster.stop();
    await expect(select1(cluster.url())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await cluster.start();
    expect(await select1(cluster.url())).toBe(1);
    await cluster.restart();
    const client = new pg.Client({ connectionString: cluster.url() });
    await client.connect();
    const { rows } = await client.query("SELECT to_regclass('kept') IS NOT NULL AS kept");
    await client.end();
    expect(rows[0].kept).toBe(true);
  }, 60_000);
});

describeCluster('a destroyed cluster', () => {
  it('leaves no folder and no server behind', async () => {
    const cluster = await startCluster();
    const { port } = cluster;
    await cluster.destroy();
    await expect(select1(`postgres://postgres@127.0.0.1:${port}/postgres`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  }, 60_000);
});
