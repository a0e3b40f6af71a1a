// Opening a saved run: the **Open run…** button (a file picker) and a run file dropped anywhere on the page, with
// the overlay that says where it will go while a file is dragged over. Both hand the file to the store's
// openRunFile, which reads it and says what came of it in the message stack.

import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { RUN_FILE_EXTENSION } from '../../shared/run-file';
import { useAppStore } from '../store/use-app-store';

/** True when a drag carries files (not text or a link dragged from the page). */
function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

/** Shows the drop zone while files are dragged over the window, and opens the one dropped. */
function useFileDrop(open: (file: File) => void, refuse: (text: string) => void): boolean {
  const [isDragging, setDragging] = useState(false);
  useEffect(() => {
    // dragenter and dragleave fire for every element crossed: count them, so moving over the page's own
    // elements does not make the overlay flicker.
    let depth = 0;
    const onEnter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth++;
      setDragging(true);
    };
    const onOver = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      // Without this the browser would navigate to the dropped file instead of handing it to the page.
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onLeave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length === 1) open(files[0]!);
      else if (files.length > 1) refuse(`Drop one run file at a time (that was ${files.length} files)`);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [open, refuse]);
  return isDragging;
}

export function OpenRun(): ReactNode {
  const openRunFile = useAppStore((s) => s.recordingActions.openRunFile);
  const showMessage = useAppStore((s) => s.commandActions.showMessage);
  const loadingFileName = useAppStore((s) => s.recording.loadingFileName);
  const input = useRef<HTMLInputElement>(null);
  const refuse = useCallback((text: string) => showMessage('error', text, 'open-run'), [showMessage]);
  const open = useCallback((file: File) => void openRunFile(file), [openRunFile]);
  const isDragging = useFileDrop(open, refuse);

  return (
    <>
      <button
        type="button"
        className="secondary small"
        aria-busy={loadingFileName !== null}
        title={
          loadingFileName === null
            ? `Open a saved run (a ${RUN_FILE_EXTENSION} file); you can also drop one on the page`
            : `Opening ${loadingFileName}…`
        }
        onClick={() => input.current?.click()}
      >
        Open run…
      </button>
      <input
        ref={input}
        type="file"
        accept={RUN_FILE_EXTENSION}
        hidden
        tabIndex={-1}
        data-testid="open-run-input"
        onChange={(event) => {
          const file = event.target.files?.[0];
          // Cleared, so choosing the same file again (after fixing it) is a change too.
          event.target.value = '';
          if (file) open(file);
        }}
      />
      {isDragging &&
        createPortal(
          <div className="drop-zone" data-testid="drop-zone" aria-hidden="true">
            <p>Drop a {RUN_FILE_EXTENSION} file to open the run</p>
          </div>,
          document.body,
        )}
    </>
  );
}
