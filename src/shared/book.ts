// The chapter, step by step: the six steps of The Rust Programming Language's web server chapter (chapter 21 of
// the current edition, for Rust 1.85 and later) that the Book panel walks through. Each step names its listing,
// says what to watch for, the server it runs (strategy and settings) and the traffic its Try it fires; the book's
// prediction is what its verdict (src/history/book-verdicts.ts) checks the run's events against. Contract only.

import { BUILT_IN_SCENARIOS, type RequestGroup, type Scenario } from './scenarios';
import type { ServerSettings } from './settings';

export const BOOK_STEP_IDS = ['single', 'slow-request', 'per-request', 'pool', 'while-let', 'shutdown'] as const;
export type BookStepId = (typeof BOOK_STEP_IDS)[number];

export interface BookStep {
  id: BookStepId;
  /** The book's listing, e.g. "21-10" (chapter 21 of the current edition). */
  listing: string;
  title: string;
  /** Two sentences: what happens, and what to watch for. */
  watch: readonly [string, string];
  /** What Try it sets; the form's other settings (port, sleep, queue limit…) are kept. Stop after is reset where not given. */
  settings: Pick<ServerSettings, 'strategy'> & Partial<Pick<ServerSettings, 'workerCount' | 'stopAfterConnections'>>;
  /**
   * The shortest sleep that shows the step: a `/` sent 0.5 s after a `/sleep` must find it still running. Try it
   * raises the form's sleep to it when shorter (and says so).
   */
  minSleepMs?: number;
  /** What Try it fires once the server listens (the run-scenario command: each request on its own connection). */
  traffic: Scenario;
  /** What the book predicts, as a verdict says it when the run shows otherwise ("expected …"). */
  prediction: string;
}

/** A step's own traffic (src/shared/scenarios.ts: a custom scenario). */
function bookTraffic(label: string, groups: RequestGroup[]): Scenario {
  return { id: 'custom', label, groups };
}

/** The pool size of the book's `ThreadPool::new(4)`. */
const BOOK_POOL_SIZE = 4;

export const BOOK_STEPS: readonly BookStep[] = [
  {
    id: 'single',
    listing: '21-9',
    title: 'A single-threaded server',
    watch: [
      'One thread accepts a connection, reads its request, writes the answer and closes it, and only then takes the next.',
      'Five requests sent at once go through one lane one after another; the others wait, accepted but unread.',
    ],
    settings: { strategy: 'single' },
    traffic: bookTraffic('5 × / at once', [{ path: '/', count: 5, startMs: 0, spacingMs: 0 }]),
    prediction: 'the requests served one at a time',
  },
  {
    id: 'slow-request',
    listing: '21-10',
    title: 'A slow request',
    watch: [
      '`GET /sleep` holds the only thread for the whole sleep.',
      'A `GET /` sent half a second later waits, unread, until the sleep is over: one slow client blocks everybody.',
    ],
    settings: { strategy: 'single' },
    minSleepMs: 1_500,
    traffic: BUILT_IN_SCENARIOS['sleep-then-root'],
    prediction: '`/` to wait until `/sleep` was answered',
  },
  {
    id: 'per-request',
    listing: '21-11',
    title: 'A thread per request',
    watch: [
      '`thread::spawn` for every connection: four sleeps and a `GET /` all run at once, and `/` no longer waits.',
      'Watch the thread count and each thread’s start-up: nothing bounds them, so a flood of requests would spawn a flood of threads.',
    ],
    settings: { strategy: 'per-request' },
    traffic: bookTraffic('4 × /sleep, then / 0.5 s later', [
      { path: '/sleep', count: 4, startMs: 0, spacingMs: 0 },
      { path: '/', count: 1, startMs: 500, spacingMs: 0 },
    ]),
    prediction: 'every request on a thread of its own, the sleeps’ threads alive together',
  },
  {
    id: 'pool',
    listing: '21-20',
    title: 'The ThreadPool',
    watch: [
      'Four workers take jobs from one channel, so four sleeps run while the other four wait in the queue.',
      'The pool bounds the threads: eight sleeps take two sleeps’ time.',
    ],
    settings: { strategy: 'pool', workerCount: BOOK_POOL_SIZE },
    traffic: BUILT_IN_SCENARIOS['sleep-burst-8'],
    prediction: 'as many sleeps at once as there are workers, the rest waiting in the queue',
  },
  {
    id: 'while-let',
    listing: '21-21',
    title: 'The `while let` pitfall',
    watch: [
      '`while let Ok(job) = receiver.lock().unwrap().recv()` keeps the lock until the job ends: one worker runs while the other three wait for the lock.',
      'It compiles and it runs, yet four sleeps on four workers take four sleeps’ time.',
    ],
    settings: { strategy: 'pool-while-let', workerCount: BOOK_POOL_SIZE },
    traffic: bookTraffic('4 × /sleep at once', [{ path: '/sleep', count: 4, startMs: 0, spacingMs: 0 }]),
    prediction: 'one job at a time, the lock held for every job',
  },
  {
    id: 'shutdown',
    listing: '21-25',
    title: 'Graceful shutdown with `take(2)`',
    watch: [
      '`listener.incoming().take(2)` serves two connections and leaves the loop: the pool is dropped and its channel closes.',
      'Each worker finishes its job before it is joined, in order: look for "Shutting down." and then "Shutting down worker 0" in the log.',
    ],
    settings: { strategy: 'pool', workerCount: BOOK_POOL_SIZE, stopAfterConnections: 2 },
    traffic: bookTraffic('2 × /sleep at once', [{ path: '/sleep', count: 2, startMs: 0, spacingMs: 0 }]),
    prediction: 'both requests served, then Shutting down, the workers joined in order from 0',
  },
];

export function isBookStepId(value: unknown): value is BookStepId {
  return typeof value === 'string' && (BOOK_STEP_IDS as readonly string[]).includes(value);
}

export function bookStep(id: BookStepId): BookStep {
  return BOOK_STEPS.find((step) => step.id === id)!;
}

/** The settings a step's Try it starts the server with: the form's, with the step's strategy and settings. */
export function settingsForStep(step: BookStep, formSettings: ServerSettings): ServerSettings {
  const sleepMs = Math.max(formSettings.sleepMs, step.minSleepMs ?? 0);
  return { ...formSettings, stopAfterConnections: 0, ...step.settings, sleepMs };
}

/**
 * What a step's run showed, measured from its events. `state` 'waiting' while the traffic is still being answered
 * (and, for the shutdown, until the server stopped); then `matches` says whether it is what the book predicts.
 */
export interface BookVerdict {
  step: BookStepId;
  /** The server run it was measured on (the flight recorder's run id). */
  runId: number;
  state: 'waiting' | 'measured';
  /** Null while waiting. */
  matches: boolean | null;
  /** What was measured, in a sentence: "`/` waited 4.5 s behind `/sleep` — the single thread blocked it". */
  text: string;
  /** When it does not match: what the book predicts instead. */
  expected: string | null;
  /** The traffic's requests answered so far, of `expectedCount`. */
  answeredCount: number;
  expectedCount: number;
}
