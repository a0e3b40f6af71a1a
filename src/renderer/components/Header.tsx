// The title bar: what Poolscope is, the server's status line with the settings it runs with, whether the
// dashboard link is up, why the view updates less often while the server is saturated, the view toggles (the book's
// terms, presentation mode), the Run menu (Open run…, Save run…, Export trace, History…) and where the flight
// recorder's history starts.

import type { ReactNode } from 'react';
import { useAppStore } from '../store/use-app-store';
import { useAppServices } from './app-services';
import { settingsSummaryOf } from './control-states';
import { pluralize } from './format';
import { HistoryNotice } from './RecorderControls';
import { RunMenu } from './RunMenu';

function ServerStatus(): ReactNode {
  const phase = useAppStore((s) => s.wire.status.phase);
  const url = useAppStore((s) => s.wire.status.url);
  const isStartPending = useAppStore((s) => s.commands.pending === 'start');
  // Named only while stopping: under load the count moves every frame.
  const inFlightJobs = useAppStore((s) => (s.wire.status.phase === 'stopping' ? s.wire.inFlightJobs : 0));
  const shownPhase = phase === 'stopped' && isStartPending ? 'starting' : phase;
  // Beside a replay's "Recorded server", the status says whose it is.
  const isReplay = useAppStore((s) => s.replay.phase !== 'off');

  let text: ReactNode;
  switch (shownPhase) {
    case 'listening':
      text = (
        <>
          Listening on{' '}
          {url ? (
            <a href={url} target="_blank" rel="noreferrer">
              {url}
            </a>
          ) : (
            'an unknown address'
          )}
        </>
      );
      break;
    case 'starting':
      text = 'Starting…';
      break;
    case 'stopping':
      text = inFlightJobs > 0 ? `Stopping — finishing ${pluralize(inFlightJobs, 'in-flight request')}…` : 'Stopping…';
      break;
    default:
      text = 'Stopped';
  }
  return (
    <div className="server-status" data-phase={shownPhase}>
      <span className="status-dot" aria-hidden="true" />
      {isReplay && <span className="status-live">Live server:</span>}
      <span data-testid="server-status">{text}</span>
      {shownPhase !== 'stopped' && <RunningSettings />}
      {shownPhase === 'listening' && <SaturatedPaceNote />}
    </div>
  );
}

/**
 * While the server's main thread has no slack the live frames come less often (SATURATED_FRAME_INTERVAL_MS), so the
 * picture updating about twice a second is the watcher stepping aside, not the server or the page stalling: say so.
 */
function SaturatedPaceNote(): ReactNode {
  const pace = useAppStore((s) => s.wire.framePace);
  const intervalMs = useAppStore((s) => s.wire.framePaceIntervalMs);
  if (pace !== 'saturated' || intervalMs === null) return null;
  const seconds = (intervalMs / 1_000).toLocaleString('en', { maximumFractionDigits: 1 });
  return (
    <span
      className="frame-pace-note"
      data-testid="frame-pace"
      data-pace={pace}
      data-interval-ms={intervalMs}
      title="The server has no CPU to spare: the view updates less often so that watching takes less from it. It updates at the usual pace again once the load falls."
    >
      Server saturated: view updates every {seconds} s
    </span>
  );
}

/** The settings the server runs with: what "applies on restart" compares against. */
function RunningSettings(): ReactNode {
  const settings = useAppStore((s) => s.wire.status.settings);
  return (
    <span className="running-settings" data-testid="running-settings" title="The settings the server runs with">
      {settingsSummaryOf(settings)}
    </span>
  );
}

function ConnectionNotice(): ReactNode {
  const { transportKind } = useAppServices();
  const connection = useAppStore((s) => s.wire.connection);
  const hasSnapshot = useAppStore((s) => s.wire.hasSnapshot);
  if (transportKind === 'electron' || connection === 'connected') return null;
  const text =
    connection === 'reconnecting' || hasSnapshot ? 'Disconnected from the dashboard — reconnecting…' : 'Connecting to the dashboard…';
  return (
    <div className="connection-notice" data-testid="connection-status" data-connection={connection}>
      {text}
    </div>
  );
}

/** The person's view preferences: the book's terms (remembered) and presentation mode (also `?present=1`). */
function ViewToggles(): ReactNode {
  const showBookTerms = useAppStore((s) => s.view.showBookTerms);
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  const viewActions = useAppStore((s) => s.viewActions);
  return (
    <div className="view-toggles">
      <label className="toggle">
        <input
          type="checkbox"
          data-testid="book-terms-toggle"
          checked={showBookTerms}
          onChange={(event) => viewActions.setShowBookTerms(event.target.checked)}
        />
        Show the book's terms
      </label>
      <button
        type="button"
        className="secondary small"
        data-testid="present-toggle"
        aria-pressed={isPresenting}
        title="Larger type and the timeline taking the free height, for a projector (also ?present=1)"
        onClick={() => viewActions.setPresenting(!isPresenting)}
      >
        Presentation mode
      </button>
    </div>
  );
}

export function Header(): ReactNode {
  return (
    <header className="app-header">
      <div className="brand">
        <h1>Poolscope</h1>
        <p className="tagline">
          <span>The Rust book's multithreaded web server: watch its pool of worker threads take jobs from one queue, live.</span>
        </p>
      </div>
      {/* The status grows and shrinks with the server's state; the controls after it stay put at the bar's end. */}
      <div className="header-side">
        <ConnectionNotice />
        <HistoryNotice />
        <ServerStatus />
        <RunMenu />
        <ViewToggles />
      </div>
    </header>
  );
}
