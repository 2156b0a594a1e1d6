/**
 * The Node.js lines faceauth-shim runs on: 22 (from 22.19, which undici 8 needs), 24 (the line
 * it is developed, tested and measured on) and 26. Node 20 reached its end of life in April 2026
 * and crashes in the SQLite driver, so the CLI refuses it before loading anything native.
 */
export const SUPPORTED_NODE = '^22.19.0 || ^24.0.0 || >=26.0.0';

/** Why this Node version cannot run the service, or null when it can. */
export function unsupportedNode(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = (major === 22 && minor >= 19) || major === 24 || major >= 26;
  if (ok) return null;
  return `Node.js ${version} is not supported; use Node.js 22.19 or newer on the 22 line, 24 (recommended) or 26 (${SUPPORTED_NODE})`;
}
