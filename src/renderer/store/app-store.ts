// The one zustand store, made of nine slices, each file holding its state and the only actions that change
// it (zustand's slices pattern): `wire` (the pool as the bridge last projected it), `stats` (the bridge's
// numbers), `view` (form, timeline window, inspected request), `commands` (start/stop/burst, their
// pending state and the message they leave), `recording` (a run opened from a file), `replay` (its replay: the source
// shown instead of live, the cursor), `workload` (Run load, Sweep… and the main side's live figures), `book` (the Book
// panel's steps: each Try it and its verdict) and `compare` (Compare…: its form, progress and the comparison shown).
// Actions live beside their state, not in a second object outside the store: components select an action the way they
// select state, nothing else writes with raw setState (the
// bridge calls wireActions/statsActions too), and tests drive the whole store through getState() alone.
// DOM-free, so it runs under plain Node; React reaches it through use-app-store.ts.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../shared/settings';
import type { PoolscopeApi } from '../../shared/wire';
import { type BookSlice, createBookSlice } from './book-slice';
import { type CommandsSlice, createCommandsSlice } from './commands-slice';
import { type CompareSlice, createCompareSlice } from './compare-slice';
import type { Preferences } from './preferences';
import { createRecordingSlice, type RecordingSlice } from './recording-slice';
import { createReplaySlice, type ReplaySlice } from './replay-slice';
import { createStatsSlice, type StatsSlice } from './stats-slice';
import { createViewSlice, type ViewSlice } from './view-slice';
import { createWireSlice, type WireSlice } from './wire-slice';
import { createWorkloadSlice, type WorkloadSlice } from './workload-slice';

export type AppState = WireSlice &
  StatsSlice &
  ViewSlice &
  CommandsSlice &
  RecordingSlice &
  ReplaySlice &
  WorkloadSlice &
  BookSlice &
  CompareSlice;

export type AppStore = StoreApi<AppState>;

export interface AppStoreOptions {
  /** Where the commands go: the Electron preload's API or the dashboard's WebSocket client. */
  api: PoolscopeApi;
  /** What the settings form shows before the first status arrives. */
  initialSettings?: ServerSettings;
  /** The book's terms and presentation mode as the page opens (preferences.ts reads them). */
  preferences?: Preferences;
}

export function createAppStore({ api, initialSettings = DEFAULT_SETTINGS, preferences }: AppStoreOptions): AppStore {
  return createStore<AppState>()((...slice) => ({
    ...createWireSlice(...slice),
    ...createStatsSlice(...slice),
    ...createViewSlice(initialSettings, preferences)(...slice),
    ...createCommandsSlice(api)(...slice),
    ...createRecordingSlice()(...slice),
    ...createReplaySlice()(...slice),
    ...createWorkloadSlice(api)(...slice),
    ...createBookSlice(api)(...slice),
    ...createCompareSlice(api)(...slice),
  }));
}
