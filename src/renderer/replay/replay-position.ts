// What the page knows of a replay's cursor without loading the replay itself (replay-source.ts is loaded only
// when a recording is opened): the speeds it plays at and where the cursor stands.

/** The speeds a replay plays at. */
export const REPLAY_SPEEDS = [0.25, 1, 4, 16] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/** What the replay bar shows: where the cursor is, and how it moves. */
export interface ReplayPosition {
  /** Epoch ms of the recording's start (its history's start, or its first event if earlier) and its last event. */
  startAt: number;
  endAt: number;
  /** The cursor: the moment shown (epoch ms). */
  cursorAt: number;
  isPlaying: boolean;
  speed: ReplaySpeed;
}
