// What the Electron preload puts on window; absent in a plain browser (the dashboard).
import type { PoolscopeApi, PoolscopeSaveApi } from '../shared/wire';

declare global {
  interface Window {
    poolscope?: (PoolscopeApi & PoolscopeSaveApi) | undefined;
  }
}
