// Wires the page together: picks the transport, starts the bridge that feeds the store, and renders.
// Nothing else subscribes to the API.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { PoolBridge } from './bridge/pool-bridge';
import { type AppServices, AppServicesContext } from './components/app-services';
import { paletteCssVariables } from './components/palette';
import { refreshPageClock, setPageClock } from './components/use-now';
import { createAppStore } from './store/app-store';
import { loadPreferences, saveBookTerms, searchWithPresenting } from './store/preferences';
import { AppStoreContext } from './store/use-app-store';
import { openTransport } from './transport';
import './styles.css';

// The stylesheet's route colours come from the palette the timeline's canvas paints with.
for (const [name, value] of Object.entries(paletteCssVariables())) document.documentElement.style.setProperty(name, value);

const transport = openTransport();
const storage = (() => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
})();
const store = createAppStore({ api: transport.api, preferences: loadPreferences(storage, window.location.search) });
// Preferences outlive the page: the book's terms in storage, presentation mode in the address (a reload keeps both).
store.subscribe((state, previous) => {
  if (state.view.showBookTerms !== previous.view.showBookTerms) saveBookTerms(storage, state.view.showBookTerms);
  if (state.view.isPresenting !== previous.view.isPresenting) {
    const search = searchWithPresenting(window.location.search, state.view.isPresenting);
    window.history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
  }
});
const bridge = new PoolBridge(store, { scheduleFrame: (callback) => requestAnimationFrame(callback) });
// Durations count to the page's present: the wall clock live, the cursor in a replay, the paused moment while paused.
setPageClock(() => bridge.presentAt());
// Pause, Resume, a scroll-back and another source move the present: the durations follow at once, not at the next tick.
store.subscribe((state, previous) => {
  const view = state.view;
  const before = previous.view;
  if (
    view.timelinePausedAt !== before.timelinePausedAt ||
    view.timelineScrollBackMs !== before.timelineScrollBackMs ||
    state.replay.source !== previous.replay.source
  )
    refreshPageClock();
});
bridge.setConnection(transport.connectionState);
transport.onConnectionChange((state) => bridge.setConnection(state));
bridge.connect(transport.api);

const services: AppServices = { bridge, transportKind: transport.kind, saveHistory: (kind) => transport.saveHistory(kind) };

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
createRoot(rootElement).render(
  <StrictMode>
    <AppStoreContext.Provider value={store}>
      <AppServicesContext.Provider value={services}>
        <App />
      </AppServicesContext.Provider>
    </AppStoreContext.Provider>
  </StrictMode>,
);
