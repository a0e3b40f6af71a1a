// Where Electron's binary is, by the same rules as node_modules/electron/index.js but without that file's side
// effect: requiring it downloads a missing binary synchronously, with no time limit. Used by `npm start`,
// `npm run dev` and the Electron e2e spec.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The binary's path for the electron package in `electronPackageDir` (it may not exist yet); null before a first install. */
export function locateElectronBinary(electronPackageDir) {
  const pathFile = join(electronPackageDir, 'path.txt');
  const relativePath = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : null;
  const overrideDir = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (overrideDir) return join(overrideDir, relativePath || 'electron');
  return relativePath ? join(electronPackageDir, 'dist', relativePath) : null;
}

/** The project's Electron binary when it is present, else null. */
export function findElectronBinary(projectRoot) {
  const binary = locateElectronBinary(join(projectRoot, 'node_modules', 'electron'));
  return binary !== null && existsSync(binary) ? binary : null;
}
