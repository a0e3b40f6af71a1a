// The Book panel: the chapter's steps in order (src/shared/book.ts), each with its listing, what to watch for, one
// Try it button and, once its run is measured, the verdict — what the run's events showed and whether the book
// predicts it. One step's text is open at a time, so the panel stays short beside the queue; verdicts always show.

import type { ReactNode } from 'react';
import { BOOK_STEPS, type BookStep } from '../../shared/book';
import { type BookStepPhase, type BookStepRun, tryStepRefusal } from '../store/book-slice';
import { useAppStore } from '../store/use-app-store';

/** `code` spans of a sentence as <code>, the rest as text. */
export function withCode(text: string): ReactNode[] {
  return text.split('`').map((part, i) =>
    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of a fixed sentence never move; their place is who they are.
    i % 2 === 1 ? <code key={i}>{part}</code> : part,
  );
}

const PHASE_WORDS: Record<BookStepPhase, string> = {
  idle: '',
  stopping: 'Stopping the running server…',
  starting: "Starting the step's server…",
  firing: 'Firing the traffic…',
  measuring: 'Measuring the run…',
  done: '',
  failed: '',
};

function StepStatus({ run }: { run: BookStepRun }): ReactNode {
  const words = PHASE_WORDS[run.phase];
  const isWaiting = run.phase === 'measuring' && run.verdict?.state === 'waiting';
  if (run.notes.length === 0 && words === '' && run.error === null) return null;
  return (
    <div className="book-status" data-testid="book-status" aria-live="polite">
      {run.notes.map((text) => (
        <p key={text}>{withCode(text)}</p>
      ))}
      {words !== '' && <p>{isWaiting ? run.verdict!.text : words}</p>}
      {run.error !== null && <p className="field-error">{run.error}</p>}
    </div>
  );
}

function Verdict({ step, run }: { step: BookStep; run: BookStepRun }): ReactNode {
  const verdict = run.verdict;
  if (verdict === null || verdict.state !== 'measured') return null;
  return (
    <div
      className={verdict.matches ? 'book-verdict matches' : 'book-verdict differs'}
      data-testid="book-verdict"
      data-step={step.id}
      data-matches={String(verdict.matches)}
      data-run-id={verdict.runId}
    >
      <span className="book-verdict-mark">{verdict.matches ? 'As the book says' : 'Not what the book predicts'}</span>
      <p>{withCode(verdict.text)}</p>
      {verdict.expected !== null && <p className="book-expected">{withCode(verdict.expected)}</p>}
    </div>
  );
}

function StepItem({ step, index }: { step: BookStep; index: number }): ReactNode {
  const isOpen = useAppStore((s) => s.book.openStep === step.id);
  const run = useAppStore((s) => s.book.runs[step.id]);
  const activeStep = useAppStore((s) => s.book.activeStep);
  const refusal = useAppStore(tryStepRefusal);
  const actions = useAppStore((s) => s.bookActions);
  const isRunning = activeStep === step.id;
  // The step running says so on its button; any other says why it waits (a click says it too).
  const reason = isRunning ? null : refusal;
  const bodyId = `book-step-${step.id}`;
  return (
    <li className={isOpen ? 'book-step is-open' : 'book-step'} data-testid="book-step" data-step={step.id} data-phase={run.phase}>
      <div className="book-step-head">
        <button
          type="button"
          className="book-step-title"
          aria-expanded={isOpen}
          aria-controls={bodyId}
          onClick={() => actions.openStep(step.id)}
        >
          <span className="book-listing" data-testid="book-listing">
            {index + 1}. Listing {step.listing}
          </span>
          <span className="book-title">{withCode(step.title)}</span>
        </button>
        <button
          type="button"
          className={isRunning ? 'primary small' : 'secondary small'}
          aria-busy={isRunning || undefined}
          aria-disabled={reason !== null || undefined}
          title={reason ?? undefined}
          aria-label={`Try it: ${step.title.replaceAll('`', '')}`}
          data-testid="book-try"
          onClick={() => void actions.tryStep(step.id)}
        >
          {isRunning ? 'Running…' : 'Try it'}
        </button>
      </div>
      {isOpen && (
        <div className="book-step-body" id={bodyId}>
          {step.watch.map((sentence) => (
            <p key={sentence} className="book-watch">
              {withCode(sentence)}
            </p>
          ))}
          <StepStatus run={run} />
        </div>
      )}
      <Verdict step={step} run={run} />
    </li>
  );
}

export function BookPanel(): ReactNode {
  return (
    <section className="panel book-panel" data-testid="book-panel" aria-labelledby="book-panel-title">
      <div className="panel-head">
        <h2 id="book-panel-title">The book, step by step</h2>
        <span className="count" title="The Rust Programming Language, chapter 21 of the current edition (Rust 1.85 and later)">
          ch. 21
        </span>
      </div>
      <ol className="book-steps">
        {BOOK_STEPS.map((step, i) => (
          <StepItem key={step.id} step={step} index={i} />
        ))}
      </ol>
    </section>
  );
}
