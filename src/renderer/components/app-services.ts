// What components may use besides the store: the bridge's live model for the timeline, which draws outside
// React's render path, which transport the page runs on, and how it saves the live history.

import { createContext, useContext } from 'react';
import type { HistoryExportKind, SaveResult } from '../../shared/wire';
import type { PoolBridge } from '../bridge/pool-bridge';
import type { TransportKind } from '../transport/transport';

export interface AppServices {
  bridge: PoolBridge;
  transportKind: TransportKind;
  /** Save run… / Export trace of the live history (the transport's: a save dialog, or a download). */
  saveHistory(kind: HistoryExportKind): Promise<SaveResult>;
}

export const AppServicesContext = createContext<AppServices | null>(null);

export function useAppServices(): AppServices {
  const services = useContext(AppServicesContext);
  if (services === null) throw new Error('useAppServices needs an <AppServicesContext.Provider> above it');
  return services;
}
