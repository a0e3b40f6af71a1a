// Types of electron-binary.mjs, for the TypeScript that imports it (the Electron e2e spec).

export function locateElectronBinary(electronPackageDir: string): string | null;
export function findElectronBinary(projectRoot: string): string | null;
