import type { Setting, SettingValue } from '../../admin-types.js';
import { toSettingValue } from '../../rows.js';
import type { Sqlite } from '../statements.js';

/** The settings (store.ts getSetting ... deleteSetting): each one statement. */

export function getSetting({ s }: Sqlite, key: string): SettingValue | undefined {
  const row = s.getSetting.get(key);
  return row && toSettingValue(row);
}

export function setSetting({ s }: Sqlite, key: string, value: string, now: number): void {
  s.setSetting.run(key, value, now);
}

export function replaceSetting(
  { s }: Sqlite,
  key: string,
  expected: string,
  value: string,
  now: number,
): boolean {
  return s.replaceSetting.run({ key, expected, value, now }).changes === 1;
}

export function insertSetting({ s }: Sqlite, key: string, value: string, now: number): boolean {
  return s.insertSetting.run(key, value, now).changes === 1;
}

export function listSettings({ s }: Sqlite, prefix: string): Setting[] {
  return s.listSettings
    .all(prefix, prefix)
    .map((row) => ({ key: row.key, ...toSettingValue(row) }));
}

export function deleteSetting({ s }: Sqlite, key: string): void {
  s.deleteSetting.run(key);
}
