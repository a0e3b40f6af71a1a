// The book's words: short captions that tie what the page shows to the code of The Rust Programming Language,
// ch. 21 (the `ThreadPool` of listing 21-25): the queue is the `mpsc` channel, an idle worker is blocked in
// `recv()` on the shared `Arc<Mutex<mpsc::Receiver<Job>>>`, `execute` sends a job, Stop drops the `Sender` so each
// worker's `recv()` fails, and the workers are joined in order. Identifiers are quoted exactly as the book writes
// them. Every caption is here, and each shows only while "Show the book's terms" is on.

import type { ReactNode } from 'react';
import type { Strategy } from '../../shared/settings';
import { useAppStore } from '../store/use-app-store';

/** Where a caption goes. */
export type BookTermPlace =
  | 'queue'
  | 'queue-single'
  | 'queue-per-request'
  | 'workers-running'
  | 'workers-while-let'
  | 'workers-single'
  | 'workers-per-request'
  | 'workers-stopping'
  | 'workers-none'
  | 'worker-idle'
  | 'worker-idle-single'
  | 'worker-joining'
  | 'worker-exited'
  | 'worker-waiting-for-lock'
  | 'worker-holds-lock'
  | 'queue-lock'
  | 'thread-stats'
  | 'waiting-connection'
  | 'log';

const BOOK_TERMS: Record<BookTermPlace, ReactNode> = {
  queue: (
    <>
      The channel: <code>execute</code> sends each job down the <code>mpsc</code> channel with <code>sender.send(job)</code>; it waits here,
      first in first out, until an idle worker's <code>recv()</code> takes it.
    </>
  ),
  'queue-single': (
    <>
      Listing 21-10 has no channel: what waits is connections, in the listen backlog, until <code>for stream in listener.incoming()</code>{' '}
      comes round to them.
    </>
  ),
  'queue-per-request': (
    <>
      Listing 21-11 has no channel: every connection gets its own <code>thread::spawn</code> at once, so no job waits for a worker; what
      waits here is each new thread's start (a fresh V8 isolate), and past the thread limit a request is refused with 503.
    </>
  ),
  'workers-running': (
    <>
      Each <code>Worker</code> loops on <code>receiver.lock().unwrap().recv()</code>: an idle one is blocked in <code>recv()</code> on the
      shared <code>Arc&lt;Mutex&lt;mpsc::Receiver&lt;Job&gt;&gt;&gt;</code>, and whichever gets the lock first takes the next job.
    </>
  ),
  'workers-while-let': (
    <>
      Listing 21-21: each <code>Worker</code> loops on{' '}
      <code>
        while let Ok(job) = receiver.lock()
        <wbr />
        .unwrap()
        <wbr />
        .recv()
      </code>
      : the lock's guard lives for the whole loop body, so the worker that took a job keeps the lock until the job ends.
    </>
  ),
  'workers-single': (
    <>
      Listing 21-10: one thread runs <code>for stream in listener.incoming()</code> and calls <code>handle_connection(stream)</code> itself,
      so it reads, answers and closes one connection before it takes the next.
    </>
  ),
  'workers-per-request': (
    <>
      Listing 21-11: <code>thread::spawn(|| handle_connection(stream))</code> for every connection: a thread per request, started when it
      arrives and ended with its answer, with no bound on how many.
    </>
  ),
  'workers-stopping': (
    <>
      Stop drops the pool: <code>drop(self.sender.take())</code> closes the channel, so once no job is left each worker's{' '}
      <code>recv()</code> fails ("disconnected; shutting down"), and <code>Drop for ThreadPool</code> joins the workers in order, worker 0
      first.
    </>
  ),
  'workers-none': (
    <>
      <code>ThreadPool::new(size)</code> makes the channel and spawns <code>size</code> workers, each with an{' '}
      <code>Arc::clone(&amp;receiver)</code>; a pool of size 0 is an error.
    </>
  ),
  'worker-idle': (
    <>
      blocked in <code>recv()</code>
    </>
  ),
  'worker-idle-single': (
    <>
      blocked in <code>listener.incoming()</code> until the next connection
    </>
  ),
  'worker-joining': (
    <>
      <code>thread.join()</code> waits for it
    </>
  ),
  'worker-exited': (
    <>
      <code>recv()</code> returned <code>Err</code>; joined
    </>
  ),
  'worker-waiting-for-lock': (
    <>
      blocked in <code>receiver.lock()</code> until the holder's <code>MutexGuard</code> is dropped
    </>
  ),
  'worker-holds-lock': (
    <>
      its <code>MutexGuard</code> lives for the whole <code>while let</code> body
    </>
  ),
  'queue-lock': (
    <>
      The fix, listing 21-20:{' '}
      <code>
        let job = receiver.lock()
        <wbr />
        .unwrap()
        <wbr />
        .recv()
        <wbr />
        .unwrap();
      </code>{' '}
      drops the guard at the end of the <code>let</code>, so the lock is free again while <code>job()</code> runs.
    </>
  ),
  'thread-stats': (
    <>
      Listing 21-11 calls <code>thread::spawn</code> for every connection, with no bound: here each thread is a fresh V8 isolate, so its
      start-up and its memory are what an unbounded server pays per request.
    </>
  ),
  'waiting-connection': (
    <>
      Listing 21-10: <code>for stream in listener.incoming()</code> takes the next connection only once <code>handle_connection</code> has
      returned; until then it waits in the listen backlog, accepted and not read.
    </>
  ),
  log: (
    <>
      The book's <code>println!</code> lines, word for word.
    </>
  ),
};

/** What a burst's requests meet on the server running (else the pool), in the book's words: a tooltip, plain text. */
export function fireBurstTooltipOf(path: '/sleep' | '/', strategy: Strategy | null): string {
  const handling =
    strategy === 'single'
      ? 'the one thread calls handle_connection(stream) itself, one connection after another'
      : strategy === 'per-request'
        ? 'the server calls thread::spawn(|| handle_connection(stream)) for each'
        : 'the server calls pool.execute(|| handle_connection(stream))';
  return `Each request is its own connection: ${handling}${path === '/sleep' ? ', and /sleep runs thread::sleep' : ''}.`;
}

/** The words a tooltip adds while the book's terms are shown (plain text: tooltips carry no markup). */
export const BOOK_TOOLTIPS = {
  stop: 'Graceful: stop taking connections, then drop(self.sender.take()) and join every worker in order.',
  strategy:
    "The chapter's four servers: one thread (21-10), thread::spawn per request (21-11), the ThreadPool (final), and the while let worker loop that holds the lock for the whole job (21-21).",
} as const;

export function useShowBookTerms(): boolean {
  return useAppStore((s) => s.view.showBookTerms);
}

/** A caption in the book's words, or nothing while they are hidden. `inline` sits in a line of text. */
export function BookTerm({ place, inline = false }: { place: BookTermPlace; inline?: boolean }): ReactNode {
  const isShown = useShowBookTerms();
  if (!isShown) return null;
  const Tag = inline ? 'span' : 'p';
  return (
    <Tag className={inline ? 'book-term inline' : 'book-term'} data-testid="book-term" data-place={place}>
      {BOOK_TERMS[place]}
    </Tag>
  );
}
