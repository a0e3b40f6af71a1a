// The page layout: header, the replay bar while a recording is replayed, controls, the stats strip and its charts, then workers, timeline, the stats by
// route, Run load beside the queueing panel, Sweep… and Compare… (live only: a replay shows a note instead) on the
// left, with queue, request details, log and the Book panel on the right (they stay in view while the left scrolls).
// In presentation mode the stats strip heads the right column instead. Messages float under the controls.

import { type ReactNode, useRef } from 'react';
import { BookPanel } from './components/BookPanel';
import { ComparePanel } from './components/ComparePanel';
import { Controls } from './components/Controls';
import { Header } from './components/Header';
import { LiveCharts } from './components/LiveCharts';
import { LoadPanel } from './components/LoadPanel';
import { LogPanel } from './components/LogPanel';
import { QueueingPanel } from './components/QueueingPanel';
import { QueuePanel } from './components/QueuePanel';
import { ReplayBar } from './components/ReplayBar';
import { RequestDetails } from './components/RequestDetails';
import { RouteStatsPanel } from './components/RouteStatsPanel';
import { RunMenuToggleContext } from './components/RunMenu';
import { StatsStrip } from './components/StatsStrip';
import { SweepPanel } from './components/SweepPanel';
import { TimelinePanel } from './components/TimelinePanel';
import { WorkersBookPanel, WorkersPanel } from './components/WorkersPanel';
import { useAppStore } from './store/use-app-store';
import './workloads.css';

export function App(): ReactNode {
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  const isReplay = useAppStore((s) => s.replay.phase !== 'off');
  // Run ▾'s button, which Back to live in the replay bar gives the focus back to.
  const runMenuToggle = useRef<HTMLButtonElement>(null);
  return (
    <div className={`app${isPresenting ? ' presenting' : ''}${isReplay ? ' replaying' : ''}`}>
      <RunMenuToggleContext.Provider value={runMenuToggle}>
        <Header />
        <ReplayBar />
      </RunMenuToggleContext.Provider>
      <Controls />
      {!isPresenting && <StatsStrip />}
      {/* The charts follow the live server's samples: a replay has none, so they are not shown over it. */}
      {!isReplay && <LiveCharts />}
      <main className="main-grid">
        <div className="column-main">
          <WorkersPanel />
          <TimelinePanel />
          <RouteStatsPanel />
          {/* Run load, its queueing figures, Sweep… and Compare… drive and read the live server, which a replay does not show. */}
          {isReplay ? (
            <p className="replay-live-only panel" data-testid="replay-live-only">
              Run load, Queueing, Sweep… and Compare… work on the live server: go Back to live to use them.
            </p>
          ) : (
            <>
              <div className="workloads">
                <LoadPanel />
                <QueueingPanel />
              </div>
              <SweepPanel />
              <ComparePanel />
            </>
          )}
        </div>
        <aside className="column-side">
          {/* On a projector the height goes to the workers and the timeline: the few numbers a class follows sit here. */}
          {isPresenting && <StatsStrip />}
          {isPresenting && <WorkersBookPanel />}
          <QueuePanel />
          <RequestDetails />
          <LogPanel />
          {/* Below the live panels, so the queue and a request's details stay in view beside the timeline. */}
          <BookPanel />
        </aside>
      </main>
    </div>
  );
}
