// The replay bar, shown while a recording is replayed: it says plainly "Replay of <file name>" and which server the
// recording ran at the cursor, offers Back to live, Play / Pause, the speeds, a scrub bar across the whole run (drag
// it, or the arrow keys: Shift for an event at a time, Home and End for the ends) and steps to the previous or next
// event. Every panel below shows the state at the cursor through the frames (replay-source.ts); the bar shows the
// moment of the frame shown.

import { type KeyboardEvent, type ReactNode, type RefObject, useRef } from 'react';
import { formatRunSpanMs } from '../../shared/durations';
import { REPLAY_SPEEDS, type ReplayPosition, type ReplaySpeed } from '../replay/replay-position';
import type { ReplayActions } from '../store/replay-slice';
import { useAppStore } from '../store/use-app-store';
import { settingsSummaryOf } from './control-states';
import { formatClockTime } from './format';
import { useFocusRunMenuToggle } from './RunMenu';

/** An arrow key moves the cursor by this share of the run. */
const ARROW_STEP_FRACTION = 0.01;

/**
 * The scrub bar's keys: the arrows move the cursor by a share of the run (with Shift, to the previous or next
 * event), Page Up/Down by ten times that, Home and End to the ends. True when the key was one of them.
 */
function moveByKey(key: string, isShift: boolean, position: ReplayPosition, actions: ReplayActions): boolean {
  const stepMs = Math.max(1, (position.endAt - position.startAt) * ARROW_STEP_FRACTION);
  const from = position.cursorAt;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      if (isShift) actions.stepPrevious();
      else actions.seek(from - stepMs);
      return true;
    case 'ArrowRight':
    case 'ArrowUp':
      if (isShift) actions.stepNext();
      else actions.seek(from + stepMs);
      return true;
    case 'PageDown':
      actions.seek(from - 10 * stepMs);
      return true;
    case 'PageUp':
      actions.seek(from + 10 * stepMs);
      return true;
    case 'Home':
      actions.seek(position.startAt);
      return true;
    case 'End':
      actions.seek(position.endAt);
      return true;
    default:
      return false;
  }
}

/**
 * Back to live from a button that had the focus: the bar goes away with it, so the focus goes to Run ▾, where the
 * run was opened, rather than falling to the page itself (where a screen reader says nothing).
 */
function useBackToLiveKeepingFocus(bar: RefObject<HTMLElement | null>): () => void {
  const backToLive = useAppStore((s) => s.replayActions.backToLive);
  const focusRunMenuToggle = useFocusRunMenuToggle();
  return () => {
    const hadFocus = bar.current?.contains(document.activeElement) === true;
    backToLive();
    if (hadFocus) focusRunMenuToggle();
  };
}

function speedLabel(speed: ReplaySpeed): string {
  return `${speed}×`;
}

function Preparing({ fileName }: { fileName: string }): ReactNode {
  const fraction = useAppStore((s) => s.replay.preparedFraction);
  const bar = useRef<HTMLElement>(null);
  const backToLive = useBackToLiveKeepingFocus(bar);
  return (
    <section ref={bar} className="replay-bar panel" aria-label="Replay" data-testid="replay-bar" data-phase="preparing">
      <p className="replay-title" role="status">
        Preparing the replay of <strong>{fileName}</strong>… {Math.floor(fraction * 100)}%
      </p>
      <progress max={1} value={fraction} aria-label="Preparing the replay" />
      <button type="button" className="secondary small" onClick={backToLive}>
        Back to live
      </button>
    </section>
  );
}

export function ReplayBar(): ReactNode {
  const phase = useAppStore((s) => s.replay.phase);
  const fileName = useAppStore((s) => s.replay.fileName);
  const position = useAppStore((s) => s.replay.position);
  // The frame's moment moves with every live frame: read only while a replay is open, so the bar costs live frames nothing.
  const frameAt = useAppStore((s) => (s.replay.phase === 'off' ? 0 : s.wire.frameAt));
  const hasFrame = useAppStore((s) => s.wire.hasSnapshot);
  const runSettings = useAppStore((s) => s.wire.runSettings);
  const actions = useAppStore((s) => s.replayActions);
  const bar = useRef<HTMLElement>(null);
  const backToLive = useBackToLiveKeepingFocus(bar);
  if (phase === 'off' || fileName === null) return null;
  if (phase === 'preparing' || position === null) return <Preparing fileName={fileName} />;

  const { startAt, endAt, isPlaying, speed } = position;
  const durationMs = endAt - startAt;
  // The moment of the frame shown; before the replay's first frame arrives, where the cursor was put.
  const shownAt = hasFrame && frameAt >= startAt && frameAt <= endAt ? frameAt : position.cursorAt;
  const cursorMs = shownAt - startAt;
  // While standing still the slider follows the cursor asked for at once (a drag feels direct); playing, the frames.
  const sliderMs = isPlaying ? cursorMs : position.cursorAt - startAt;

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (moveByKey(event.key, event.shiftKey, position, actions)) event.preventDefault();
  };

  return (
    <section
      ref={bar}
      className="replay-bar panel"
      aria-label="Replay"
      data-testid="replay-bar"
      data-phase="open"
      data-cursor-ms={Math.round(cursorMs)}
      data-duration-ms={Math.round(durationMs)}
      data-speed={speed}
      data-playing={isPlaying}
    >
      <div className="replay-head">
        <h2 className="replay-title">
          Replay of <span className="replay-file">{fileName}</span>
        </h2>
        <span className="muted">recorded, not live: every panel shows the run at the cursor</span>
        <button type="button" className="primary small replay-back" onClick={backToLive}>
          Back to live
        </button>
      </div>
      {/* The recorded server, which the title bar's live status does not describe; a recording may hold several runs. */}
      <p className="replay-run" data-testid="replay-run-settings">
        {runSettings === null ? (
          <span className="muted">No server had started at this moment of the recorded run</span>
        ) : (
          <>
            <span className="muted">Recorded server:</span> {settingsSummaryOf(runSettings)}
          </>
        )}
      </p>
      <div className="replay-controls">
        <button
          type="button"
          className="secondary small"
          onClick={actions.stepPrevious}
          title="To the moment of the event before the cursor"
        >
          Previous event
        </button>
        <button type="button" className="primary small replay-play" onClick={isPlaying ? actions.pause : actions.play}>
          {isPlaying ? 'Pause' : 'Play'}
        </button>
        <button
          type="button"
          className="secondary small"
          onClick={actions.stepNext}
          title="To the moment of the next event after the cursor"
        >
          Next event
        </button>
        <fieldset className="replay-speeds">
          <legend className="visually-hidden">Speed</legend>
          {REPLAY_SPEEDS.map((choice) => (
            <button
              key={choice}
              type="button"
              className="secondary small"
              aria-pressed={choice === speed}
              aria-label={`Speed ${speedLabel(choice)}`}
              onClick={() => actions.setSpeed(choice)}
            >
              {speedLabel(choice)}
            </button>
          ))}
        </fieldset>
        <input
          type="range"
          className="replay-slider"
          aria-label="Replay position"
          aria-valuetext={`${formatRunSpanMs(cursorMs)} of ${formatRunSpanMs(durationMs)}, at ${formatClockTime(shownAt)}`}
          min={0}
          max={Math.max(durationMs, 0.001)}
          step="any"
          value={Math.min(Math.max(0, sliderMs), durationMs)}
          onChange={(event) => actions.seek(startAt + Number(event.target.value))}
          onKeyDown={onKeyDown}
        />
        <span className="replay-time" data-testid="replay-time">
          {formatRunSpanMs(cursorMs)} / {formatRunSpanMs(durationMs)} <span className="muted">({formatClockTime(shownAt)})</span>
        </span>
      </div>
    </section>
  );
}
