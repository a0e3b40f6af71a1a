// A file that cannot be opened, read or written, in the words a person needs ("no such file or directory",
// "permission denied"), for the command-line programs that take file names (`trace`, `serve --record`).

import path from 'node:path';

export function describeFileError(file: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `${file}: no such file or directory`;
    case 'EISDIR':
      return `${file}: is a directory`;
    case 'ENOTDIR':
      return `${file}: a part of the path is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `${file}: permission denied`;
    case 'EROFS':
      return `${file}: the file system is read-only`;
    case 'ENOSPC':
      return `${file}: no space left on the device`;
    default:
      return `${file}: ${error.message}`;
  }
}

/** Why a file cannot be created or overwritten, naming the directory when that is what is missing or closed. */
export function describeFileCreationError(file: string, error: NodeJS.ErrnoException): string {
  const directory = path.dirname(path.resolve(file));
  switch (error.code) {
    case 'ENOENT':
      return `${file}: the directory ${directory} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `${file}: permission denied (cannot write there)`;
    default:
      return describeFileError(file, error);
  }
}
