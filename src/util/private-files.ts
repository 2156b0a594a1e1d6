import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

// What faceauth-shim creates is its own and no one else's: the SQLite file holds raw webhook
// bodies with Incode's tokens, a report names customers. Folders it creates are 0700 and files
// 0600 whatever the umask (the umask can only take bits away; these set them exactly). What
// exists already (a folder or a file the operator made) keeps the mode the operator gave it.

export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder `dir` (one level; its parent must exist), 0700. */
export function makePrivateFolder(dir: string): void {
  mkdirSync(dir, { mode: PRIVATE_FOLDER_MODE });
  // mkdir's mode passes through the umask; a umask such as 0277 would leave it unwritable.
  chmodSync(dir, PRIVATE_FOLDER_MODE);
}

/**
 * Creates `path` as an empty file, 0600, unless something is there already (then it is left
 * as it is, and this returns false). O_EXCL: never a file someone else put there meanwhile.
 */
export function createPrivateFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Writes `data` to `path`: a new file is 0600; an existing one keeps its mode. */
export async function writePrivateFile(path: string, data: string | Uint8Array): Promise<void> {
  createPrivateFile(path);
  await writeFile(path, data);
}
