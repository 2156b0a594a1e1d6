import type { Setting, SettingValue } from '../../admin-types.js';
import { toSettingValue } from '../../rows.js';
import * as admin from '../sql/admin.js';
import type { Reader } from './reader.js';

/** The settings (store.ts getSetting ... deleteSetting): each one statement. */

export async function getSetting(q: Reader, key: string): Promise<SettingValue | undefined> {
  const row = (await q.query<{ value: string; updated_at: number }>(admin.GET_SETTING, [key]))
    .rows[0];
  return row && toSettingValue(row);
}

export async function setSetting(q: Reader, key: string, value: string, now: number) {
  await q.query(admin.SET_SETTING, [key, value, now]);
}

export async function replaceSetting(
  q: Reader,
  key: string,
  expected: string,
  value: string,
  now: number,
): Promise<boolean> {
  const { rowCount } = await q.query(admin.REPLACE_SETTING, [key, expected, value, now]);
  return rowCount === 1;
}

export async function insertSetting(
  q: Reader,
  key: string,
  value: string,
  now: number,
): Promise<boolean> {
  const { rowCount } = await q.query(admin.INSERT_SETTING, [key, value, now]);
  return rowCount === 1;
}

export async function listSettings(q: Reader, prefix: string): Promise<Setting[]> {
  const { rows } = await q.query<{ key: string; value: string; updated_at: number }>(
    admin.LIST_SETTINGS,
    [prefix],
  );
  return rows.map((row) => ({ key: row.key, ...toSettingValue(row) }));
}

export async function deleteSetting(q: Reader, key: string): Promise<void> {
  await q.query(admin.DELETE_SETTING, [key]);
}
