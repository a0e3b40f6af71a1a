// One card per worker thread: its state, the request it runs and for how long, jobs done and how
// busy it was over the last 10 s (or its life so far, if shorter, and the card says which). Above them the threads' line (live, peak, a request thread's start-up, the
// process's memory) and, under 'pool-while-let', the queue's lock: who holds it and how many wait for it. At high rates, jobs per second and utilization over the last second, and
// a job only once it has run long enough to be seen; under the cards, why one worker runs most of the jobs when it
// does. Cards re-render only when their own worker changes (or, while busy, to tick).
// A polite live region tells screen readers how the pool is doing, a few times a minute at most.

import { memo, type ReactNode, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { type ServerPhase, threadNameOf } from '../../shared/pool-model';
import { BUSY_WINDOW_MS } from '../../shared/request-stats';
import type { Strategy } from '../../shared/settings';
import { useAppStore, useAppStoreApi } from '../store/use-app-store';
import type { LockView, ThreadStatsView, WorkerView } from '../store/wire-slice';
import { BookTerm, type BookTermPlace, useShowBookTerms } from './book-terms';
import { busyWindowWords, formatCount, formatDurationMs, pluralize } from './format';
import { AnnouncementThrottle, poolSummary } from './pool-announcements';
import { useMediaQuery } from './use-media-query';
import { useNow } from './use-now';
import { unevenShareOf } from './work-shares';

const PHASE_LABELS: Record<WorkerView['phase'], string> = {
  idle: 'idle',
  busy: 'busy',
  stopping: 'stopping',
  exited: 'exited',
  'waiting-for-lock': 'waiting for the lock',
};

/** What the book says of a worker without a job, by its phase. */
const IDLE_BOOK_TERMS: Record<WorkerView['phase'], BookTermPlace> = {
  idle: 'worker-idle',
  busy: 'worker-idle',
  stopping: 'worker-joining',
  exited: 'worker-exited',
  'waiting-for-lock': 'worker-waiting-for-lock',
};

/** What a card without a job says it does, by its phase; the single thread waits for a connection, not a job. */
function idleLineOf(worker: WorkerView, isSingle: boolean): string {
  switch (worker.phase) {
    case 'exited':
      return 'thread joined';
    case 'stopping':
      return 'finishing up';
    case 'waiting-for-lock':
      // The pill says "waiting for the lock" already.
      return "another worker holds the queue's lock";
    default:
      if (isSingle) return 'waiting for a connection';
      return worker.holdsLock ? 'waiting for a job, holding the lock' : 'waiting for a job';
  }
}

function RunningFor({ since, sleepMs, isSleep }: { since: number; sleepMs: number; isSleep: boolean }): ReactNode {
  const now = useNow();
  const elapsedMs = Math.max(0, now - since);
  const progress = isSleep && sleepMs > 0 ? Math.min(1, elapsedMs / sleepMs) : null;
  return (
    <>
      <div className="worker-elapsed" data-testid="worker-elapsed">
        {/* A dense card (presentation mode) says the time alone, under its "busy". */}
        <span className="elapsed-for">for </span>
        {formatDurationMs(elapsedMs)}
      </div>
      {progress !== null && (
        <div className="progress" aria-hidden="true">
          <div className="progress-fill" style={{ width: `${(progress * 100).toFixed(1)}%` }} />
        </div>
      )}
    </>
  );
}

function Utilization({ workerId, spawnedAt }: { workerId: number; spawnedAt: number }): ReactNode {
  const percent = useAppStore((s) => s.stats.workerBusyPercent[workerId] ?? 0);
  // The share is of the worker's life while that is shorter than the window: the words say which (and change
  // once a second at most, so the card re-renders no more for them).
  const windowWords = useAppStore((s) => busyWindowWords(s.wire.frameAt - spawnedAt, BUSY_WINDOW_MS));
  const windowS = BUSY_WINDOW_MS / 1_000;
  return (
    <span title={`Share of the last ${windowS} s (or of its life, if shorter) this worker spent running jobs`}>
      <span className="busy-percent">{percent}%</span> busy <span className="muted busy-window">({windowWords})</span>
    </span>
  );
}

/** A worker running jobs faster than a card can show them one by one: how many, and how busy it was. */
function Rate({ worker }: { worker: WorkerView }): ReactNode {
  return (
    <div
      className="worker-rate"
      data-testid="worker-rate"
      data-jobs-per-second={worker.jobsPerSecond}
      data-utilization={worker.utilization}
    >
      {formatCount(worker.jobsPerSecond)} jobs/s <span aria-hidden="true">·</span> {Math.round(worker.utilization * 100)}% busy{' '}
      <span className="muted">(last 1 s)</span>
    </div>
  );
}

/** A card's words from the book; none in presentation mode, where the side column says them once for the panel. */
function CardBookTerm({ place }: { place: BookTermPlace }): ReactNode {
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  return isPresenting ? null : <BookTerm place={place} inline />;
}

const WorkerCard = memo(function WorkerCard({
  worker,
  sleepMs,
  strategy,
}: {
  worker: WorkerView;
  sleepMs: number;
  /** Names the card; 'single' has no channel, so no recv(): its one thread takes connections itself. */
  strategy: Strategy | null;
}): ReactNode {
  const job = worker.job;
  const isSingle = strategy === 'single';
  return (
    <li
      className={`worker-card state-${worker.state} phase-${worker.phase}`}
      data-testid="worker"
      data-worker-id={worker.id}
      data-state={worker.state}
      data-phase={worker.phase}
      data-busy-since={worker.busySince ?? undefined}
      data-holds-lock={worker.holdsLock || undefined}
    >
      <div className="worker-head">
        <span className="worker-name">{threadNameOf(strategy, worker.id)}</span>
        <span className={`pill phase-${worker.phase}`}>{PHASE_LABELS[worker.phase]}</span>
        {worker.holdsLock && (
          <span className="pill holds-lock" data-testid="holds-lock">
            holds the lock
          </span>
        )}
      </div>
      <div className="worker-job">
        {worker.isHighRate && <Rate worker={worker} />}
        {job ? (
          <>
            <div className="job-line" title={`Request #${job.requestId}`}>
              <span className="method">{job.method}</span> <span className="target">{job.target}</span>
              <span className={`origin origin-${job.origin}`}>{job.origin}</span>
            </div>
            {worker.busySince !== null && (
              <RunningFor since={worker.busySince} sleepMs={sleepMs} isSleep={job.target.startsWith('/sleep')} />
            )}
            {worker.phase === 'stopping' && <CardBookTerm place="worker-joining" />}
            {worker.holdsLock && <CardBookTerm place="worker-holds-lock" />}
          </>
        ) : worker.isHighRate ? null : (
          <>
            <div className="job-line muted">{idleLineOf(worker, isSingle)}</div>
            <CardBookTerm place={isSingle && worker.phase === 'idle' ? 'worker-idle-single' : IDLE_BOOK_TERMS[worker.phase]} />
          </>
        )}
      </div>
      <div className="worker-foot">
        <span>{pluralize(worker.jobsDone, 'job')}</span>
        <span aria-hidden="true">·</span>
        <Utilization workerId={worker.id} spawnedAt={worker.spawnedAt} />
        {worker.replacements > 0 && <span className="replaced">replaced ×{worker.replacements}</span>}
      </div>
    </li>
  );
});

function WorkerSlot({ index, sleepMs }: { index: number; sleepMs: number }): ReactNode {
  const worker = useAppStore((s) => s.wire.workers[index]);
  const strategy = useAppStore((s) => s.wire.strategy);
  return worker ? <WorkerCard worker={worker} sleepMs={sleepMs} strategy={strategy} /> : null;
}

/**
 * The live region: it reads the store outside React's render path and re-renders only when the throttle
 * says a new summary, so a burst costs it no render per frame.
 */
function PoolAnnouncer(): ReactNode {
  const store = useAppStoreApi();
  const [text, setText] = useState('');
  useEffect(() => {
    const throttle = new AnnouncementThrottle({ announce: setText });
    const unsubscribe = store.subscribe((state, previous) => {
      const wire = state.wire;
      const before = previous.wire;
      if (
        wire.workers !== before.workers ||
        wire.queueLength !== before.queueLength ||
        wire.waitingConnectionCount !== before.waitingConnectionCount
      ) {
        throttle.offer(poolSummary(state.wire));
      }
    });
    throttle.offer(poolSummary(store.getState().wire));
    return () => {
      unsubscribe();
      throttle.dispose();
    };
  }, [store]);
  return (
    <p className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="workers-announcement">
      {text}
    </p>
  );
}

/** Bytes as a person reads a process's memory, in the binary unit Compare uses too: "212 MiB". */
function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / 1_048_576)} MiB`;
}

/**
 * The threads that run requests (every strategy has them) and what they cost: "Threads 3 · peak 8 · start-up 14 ms median ·
 * memory 212 MB". In the panel's head beside the busy count, so it costs the cards and the timeline below no line of height.
 */
function ThreadStats({ threads }: { threads: ThreadStatsView }): ReactNode {
  return (
    <p
      className="thread-stats"
      data-testid="thread-stats"
      data-live={threads.live}
      data-peak={threads.peak}
      data-startup-median-ms={threads.startupMedianMs ?? ''}
      data-rss-bytes={threads.rssBytes ?? ''}
      title="Threads running requests now and at most at once in this run; a request thread's start-up (spawn to running its request, the median of the latest); the server process's resident memory"
    >
      Threads {formatCount(threads.live)} <span aria-hidden="true">·</span> peak {formatCount(threads.peak)}
      {threads.startupMedianMs !== null && (
        <>
          {' '}
          <span aria-hidden="true">·</span> start-up {formatCount(threads.startupMedianMs)} ms median
        </>
      )}
      {threads.rssBytes !== null && (
        <>
          {' '}
          <span aria-hidden="true">·</span> memory {formatMegabytes(threads.rssBytes)}
        </>
      )}
    </p>
  );
}

/** The while-let queue's lock: "Worker 0 holds the queue's lock for its whole job · 3 waiting". */
function lockTextOf(lock: LockView, holderIsBusy: boolean): string {
  const waiting = `${formatCount(lock.waiterIds.length)} waiting`;
  if (lock.holderId === null) return `The queue's lock is free · ${waiting}`;
  const holding = holderIsBusy ? 'for its whole job' : 'while it waits for a job';
  return `Worker ${lock.holderId} holds the queue's lock ${holding} · ${waiting}`;
}

function QueueLock({ lock }: { lock: LockView }): ReactNode {
  const holderIsBusy = useAppStore((s) => s.wire.workers.some((w) => w.id === lock.holderId && w.state === 'busy'));
  return (
    <p className="queue-lock" data-testid="queue-lock" data-holder-id={lock.holderId ?? ''} data-waiter-count={lock.waiterIds.length}>
      {lockTextOf(lock, holderIsBusy)}
    </p>
  );
}

/**
 * At a high rate one worker of the pool may run most of the jobs, which looks like a fault and is not: said once for
 * the panel, with the cause (protocol.ts, "Sleeping"), while it holds (unevenShareOf).
 */
function WorkShares(): ReactNode {
  // Whether the note was shown at the last commit: it then stays until the shares are clearly even again.
  const isShownRef = useRef(false);
  const uneven = useAppStore(useShallow((s) => unevenShareOf(s.wire.workers, s.wire.strategy, isShownRef.current)));
  useEffect(() => {
    isShownRef.current = uneven !== null;
  });
  if (uneven === null) return null;
  return (
    <p className="work-shares" data-testid="work-shares" data-worker-id={uneven.workerId} data-share-percent={uneven.sharePercent}>
      Worker {uneven.workerId} runs {uneven.sharePercent}% of the jobs <span className="muted">(last 1 s)</span>. Uneven shares are how this
      pool hands out short jobs, not a fault: when jobs wait it wakes one sleeping worker, the lowest-numbered, and a worker that finishes a
      job takes the next waiting one itself, so the one awake keeps most of them; another is woken only when jobs still wait.
    </p>
  );
}

/**
 * How the cards pack: more than 8 scroll in a grid of small cards; in presentation mode five to eight share one row
 * with their name, state and time alone ('dense'), so a class sees every card and, on a 768 px projector, the whole
 * timeline under them (two rows of full cards pushed its lanes off the screen).
 */
function workerGridDensityOf(cardCount: number, isPresenting: boolean, isNarrow: boolean): '' | 'dense' | 'compact' {
  if (cardCount > 8) return 'compact';
  const cardsPerRow = isNarrow ? NARROW_PRESENTATION_CARDS_PER_ROW : PRESENTATION_CARDS_PER_ROW;
  return isPresenting && cardCount > cardsPerRow ? 'dense' : '';
}

/** Full cards in presentation mode's row from a 1280 px screen (the grid's 200 px minimum). */
const PRESENTATION_CARDS_PER_ROW = 4;
/** …and on a narrower one (a 1024×768 projector, styles.css's 1100 px): four cards there are dense, on one row. */
const NARROW_PRESENTATION_CARDS_PER_ROW = 3;
const NARROW_SCREEN_QUERY = '(max-width: 1100px)';

/**
 * The panel's caption: the single thread's loop and a thread per request say how they serve; a pool, how it is
 * made, how it takes jobs (the while-let loop keeping the lock), how it shuts down.
 */
function workersBookTerm(workerCount: number, serverPhase: ServerPhase, strategy: Strategy | null): BookTermPlace {
  if (strategy === 'single') return 'workers-single';
  if (strategy === 'per-request') return 'workers-per-request';
  if (workerCount === 0) return 'workers-none';
  if (serverPhase !== 'listening') return 'workers-stopping';
  return strategy === 'pool-while-let' ? 'workers-while-let' : 'workers-running';
}

/** The pool's caption in the book's words (and, for a while-let pool, the caption of its fix under `between`). */
function WorkersBookTerms({ between }: { between?: ReactNode }): ReactNode {
  const workerCount = useAppStore((s) => s.wire.workers.length);
  const serverPhase = useAppStore((s) => s.wire.serverPhase);
  const strategy = useAppStore((s) => s.wire.strategy);
  const hasLock = useAppStore((s) => s.wire.lock !== null);
  return (
    <>
      <BookTerm place={workersBookTerm(workerCount, serverPhase, strategy)} />
      {strategy === 'per-request' && <BookTerm place="thread-stats" />}
      {between}
      {hasLock && <BookTerm place="queue-lock" />}
    </>
  );
}

/**
 * In presentation mode the Workers panel's captions sit in the side column under the stats (App), so on a projector
 * the height goes to the cards and the timeline: a while-let pool's two listings took five lines over the cards.
 */
export function WorkersBookPanel(): ReactNode {
  if (!useShowBookTerms()) return null;
  return (
    <section className="panel workers-book-panel" aria-label="The workers in the book" data-testid="workers-book-panel">
      <WorkersBookTerms />
    </section>
  );
}

export function WorkersPanel(): ReactNode {
  const workerIds = useAppStore(useShallow((s) => s.wire.workers.map((w) => w.id)));
  const sleepMs = useAppStore((s) => s.wire.runSettings?.sleepMs ?? 0);
  const busyCount = useAppStore((s) => s.wire.workers.reduce((n, w) => n + (w.state === 'busy' ? 1 : 0), 0));
  const hasSnapshot = useAppStore((s) => s.wire.hasSnapshot);
  const serverPhase = useAppStore((s) => s.wire.serverPhase);
  const strategy = useAppStore((s) => s.wire.strategy);
  const threads = useAppStore((s) => s.wire.threads);
  const lock = useAppStore((s) => s.wire.lock);
  const isReplay = useAppStore((s) => s.replay.phase !== 'off');
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  const isNarrow = useMediaQuery(NARROW_SCREEN_QUERY);
  const lockLine = lock !== null && <QueueLock lock={lock} />;
  return (
    <section className="panel workers-panel" aria-label="Workers">
      <div className="panel-head">
        <h2>Workers</h2>
        {strategy !== null && <ThreadStats threads={threads} />}
        <span className="count">
          {busyCount} of {workerIds.length} busy
        </span>
      </div>
      <PoolAnnouncer />
      {isPresenting ? lockLine : <WorkersBookTerms between={lockLine} />}
      {workerIds.length === 0 ? (
        <p className="empty">
          {!hasSnapshot
            ? 'Waiting for the pool’s state from the server…'
            : strategy === 'per-request' && serverPhase !== 'stopped'
              ? 'No request thread is alive: a thread per request starts one for each request, and it ends with its answer.'
              : isReplay
                ? // Start belongs to the live server during a replay: the run shown simply had no pool at this moment.
                  'No workers at this moment of the recorded run.'
                : 'No workers yet. Start the server to spawn the pool.'}
        </p>
      ) : (
        <ul className={`worker-grid ${workerGridDensityOf(workerIds.length, isPresenting, isNarrow)}`}>
          {workerIds.map((id, index) => (
            <WorkerSlot key={id} index={index} sleepMs={sleepMs} />
          ))}
        </ul>
      )}
      <WorkShares />
    </section>
  );
}
