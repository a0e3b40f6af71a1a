// The title bar's **Run ▾**: one compact button that opens the run-file actions — Open run…, Save run…, Export trace
// and History… — so the title bar keeps one row at 1280 px. The actions stay buttons with their names and hooks;
// the panel stays mounted while closed (hidden), so a run file dropped on the page still opens and the file
// input keeps its hook. Keyboard: Enter or Space opens it, Arrow keys and Tab move through it, Escape closes it
// and gives the focus back to Run ▾.

import { createContext, type ReactNode, type RefObject, useContext, useEffect, useId, useRef, useState } from 'react';
import { OpenRun } from './OpenRun';
import { HistorySettings, SaveButtons } from './RecorderControls';

/** The enabled buttons of the open panel, in order: where the Arrow keys move the focus. */
function buttonsOf(panel: HTMLElement | null): HTMLButtonElement[] {
  return panel === null
    ? []
    : [...panel.querySelectorAll<HTMLButtonElement>(':scope > button, :scope > * > button')].filter((b) => !b.disabled);
}

/**
 * Run ▾'s own button, for what gives it the focus back from outside the menu (Back to live ending a replay, the
 * run having been opened from here). The page provides the ref; RunMenu attaches its button to it.
 */
export const RunMenuToggleContext = createContext<RefObject<HTMLButtonElement | null> | null>(null);

/** Puts the focus on Run ▾ (where a run is opened), when the page has one. */
export function useFocusRunMenuToggle(): () => void {
  const toggle = useContext(RunMenuToggleContext);
  return () => toggle?.current?.focus();
}

export function RunMenu(): ReactNode {
  const [isOpen, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const panel = useRef<HTMLFieldSetElement>(null);
  const ownTrigger = useRef<HTMLButtonElement>(null);
  const trigger = useContext(RunMenuToggleContext) ?? ownTrigger;
  const panelId = useId();

  // A press anywhere else closes it (a file chooser or a save dialog opened from it is not a press on the page).
  useEffect(() => {
    if (!isOpen) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    window.addEventListener('pointerdown', onPointerDown);
    return () => window.removeEventListener('pointerdown', onPointerDown);
  }, [isOpen]);

  // The keyboard, tabbing out and the actions' clicks, for the menu as a whole (listened to on its root).
  useEffect(() => {
    const element = root.current;
    if (element === null) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const isShown = panel.current !== null && !panel.current.hidden;
      if (event.key === 'Escape' && isShown) {
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        trigger.current?.focus();
        return;
      }
      if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
      // Arrow keys inside the history form's fields move their caret, not the focus.
      if (event.target instanceof HTMLInputElement) return;
      event.preventDefault();
      if (!isShown) {
        setOpen(true);
        // The panel shows on the next render: focus its first button then.
        requestAnimationFrame(() => buttonsOf(panel.current)[0]?.focus());
        return;
      }
      const buttons = buttonsOf(panel.current);
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const next = at === -1 ? (step > 0 ? 0 : buttons.length - 1) : (at + step + buttons.length) % buttons.length;
      buttons[next]?.focus();
    };
    // Tabbing out of it closes it, as a press elsewhere does.
    const onFocusOut = (event: FocusEvent) => {
      if (event.relatedTarget instanceof Node && !element.contains(event.relatedTarget)) setOpen(false);
    };
    // Open, Save and Export act and close the menu; History… opens its form inside the panel, which stays open.
    // The focus goes back to Run ▾ as Escape gives it: left on the action, it would fall to the page itself as the
    // panel hides, where a screen reader says nothing and Enter or the Arrow keys no longer reach the menu.
    const onClick = (event: MouseEvent) => {
      const button = (event.target as Element).closest('button');
      if (button === null || !panel.current?.contains(button) || button.closest('.history-settings') !== null) return;
      const hadFocus = panel.current.contains(document.activeElement);
      setOpen(false);
      if (hadFocus) trigger.current?.focus();
    };
    element.addEventListener('keydown', onKeyDown);
    element.addEventListener('focusout', onFocusOut);
    element.addEventListener('click', onClick);
    return () => {
      element.removeEventListener('keydown', onKeyDown);
      element.removeEventListener('focusout', onFocusOut);
      element.removeEventListener('click', onClick);
    };
    // The trigger's ref is the page's (one for its life) or this menu's own: the listeners are added once.
  }, [trigger]);

  return (
    <div className="run-menu" ref={root}>
      <button
        ref={trigger}
        type="button"
        className="secondary small run-menu-toggle"
        data-testid="run-menu-toggle"
        aria-expanded={isOpen}
        aria-controls={panelId}
        title="Open a saved run, save this one, export a trace, or set how much history is kept"
        onClick={() => setOpen(!isOpen)}
      >
        Run <span aria-hidden="true">▾</span>
      </button>
      <fieldset id={panelId} ref={panel} className="run-menu-panel" aria-label="Run" hidden={!isOpen}>
        <OpenRun />
        <SaveButtons />
        <HistorySettings />
      </fieldset>
    </div>
  );
}
