// The page layout: header, controls, the stats strip, then workers, timeline and the stats by
// route on the left with queue, request details and log on the right. Messages float under the controls.

import type { ReactNode } from 'react';
import { Controls } from './components/Controls';
import { Header } from './components/Header';
import { LogPanel } from './components/LogPanel';
import { QueuePanel } from './components/QueuePanel';
import { RequestDetails } from './components/RequestDetails';
import { RouteStatsPanel } from './components/RouteStatsPanel';
import { StatsStrip } from './components/StatsStrip';
import { TimelinePanel } from './components/TimelinePanel';
import { WorkersPanel } from './components/WorkersPanel';
import { useAppStore } from './store/use-app-store';

export function App(): ReactNode {
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  return (
    <div className={isPresenting ? 'app presenting' : 'app'}>
      <Header />
      <Controls />
      <StatsStrip />
      <main className="main-grid">
        <div className="column-main">
          <WorkersPanel />
          <TimelinePanel />
          <RouteStatsPanel />
        </div>
        <aside className="column-side">
          <QueuePanel />
          <RequestDetails />
          <LogPanel />
        </aside>
      </main>
    </div>
  );
}
