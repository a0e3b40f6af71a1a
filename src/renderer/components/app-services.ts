// What components may use besides the store: the bridge's live model for the timeline, which draws outside
// React's render path, and which transport the page runs on.

import { createContext, useContext } from 'react';
import type { PoolBridge } from '../bridge/pool-bridge';
import type { TransportKind } from '../transport/transport';

export interface AppServices {
  bridge: PoolBridge;
  transportKind: TransportKind;
}

export const AppServicesContext = createContext<AppServices | null>(null);

export function useAppServices(): AppServices {
  const services = useContext(AppServicesContext);
  if (services === null) throw new Error('useAppServices needs an <AppServicesContext.Provider> above it');
  return services;
}
