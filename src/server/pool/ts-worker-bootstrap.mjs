// Entry of a worker thread whose program is TypeScript: Node 20 cannot load .ts in a worker, and
// `--import tsx` in execArgv is not honoured for workers there, so this file registers tsx's loader
// inside the thread and then imports the real script. Used only for .ts/.mts scripts; built .js
// scripts (the Electron bundle, where tsx is absent) are loaded directly.

import { register } from 'tsx/esm/api';

// ThreadPool appends the script's file URL to argv; remove it so the script sees the argv it would
// have had on its own. workerData is passed through untouched.
const [scriptUrl] = process.argv.splice(2, 1);
if (!scriptUrl) throw new Error('ts-worker-bootstrap: no worker script URL was passed in argv');

register();
await import(scriptUrl);
