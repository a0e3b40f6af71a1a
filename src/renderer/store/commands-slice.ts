// The commands a person sends the server (start, stop, restart with new settings, fire a burst), which one is in
// flight, and the messages they leave: a short stack of recent messages (a later one never silently replaces an
// earlier one) and the server-side error that belongs to a settings field (a port in use marks the port). Each
// command validates what was typed, calls the PoolscopeApi and turns the answer into messages; components call
// these and never the API itself.

import type { StateCreator } from 'zustand/vanilla';
import { BURST_LIMITS, type BurstPath, type CommandResult, isSettingName } from '../../shared/commands';
import type { RecorderSettings } from '../../shared/settings';
import { checkWholeNumber, type SettingName, wholeNumberFromText } from '../../shared/settings';
import type { PoolscopeApi } from '../../shared/wire';
import type { AppState } from './app-store';

export type PendingCommand = 'start' | 'stop' | 'restart' | 'burst-sleep' | 'burst-hello' | null;

/** Where a restart is: the graceful stop, then the start with the new settings. */
export type RestartStep = 'stopping' | 'starting';

/** What a message is about: a success of the same command clears it. */
export type MessageSource = 'start' | 'stop' | 'restart' | 'burst' | 'server' | 'explain' | 'open-run' | 'save';

export interface UiMessage {
  /** Unique and increasing: newer messages have larger ids. */
  id: number;
  tone: 'error' | 'info';
  text: string;
  source: MessageSource;
  /** The same words again count up here instead of stacking a copy. */
  repeats: number;
}

/** A refusal that belongs to a settings field: shown by the field, which is marked invalid, until it is edited. */
export interface FieldError {
  field: SettingName;
  text: string;
}

/** Messages kept, newest first; older ones are let go. */
export const MAX_MESSAGES = 5;

export interface CommandsState {
  /** The command waiting for its answer (its button shows busy), or null. */
  pending: PendingCommand;
  /** While a restart runs: which half of it. */
  restartStep: RestartStep | null;
  /** Recent messages, newest first, at most MAX_MESSAGES. */
  messages: UiMessage[];
  fieldError: FieldError | null;
}

export interface CommandActions {
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  /** A graceful stop, then a start with the form's settings; refused, with nothing stopped, when they are invalid. */
  restartServer(): Promise<void>;
  fireBurst(path: BurstPath): Promise<void>;
  /** The history's length: the answer is the form's to show (its field when one is to blame). */
  setHistory(settings: RecorderSettings): Promise<CommandResult>;
  showMessage(tone: UiMessage['tone'], text: string, source?: MessageSource): void;
  dismissMessage(id: number): void;
  /** A click on a control that cannot act now says why (its reason, as an info message). */
  explain(reason: string): void;
  /** The person edited a field: a server-side error pinned to it is over. */
  clearFieldError(field: SettingName): void;
}

export interface CommandsSlice {
  commands: CommandsState;
  commandActions: CommandActions;
}

export function initialCommandsState(): CommandsState {
  return { pending: null, restartStep: null, messages: [], fieldError: null };
}

/** Each burst field checks itself and says its own name ("GET / count must be…"). */
export const BURST_FIELD_LABELS: Record<BurstPath, string> = { '/sleep': 'Burst size', '/': 'GET / count' };

/** The typed burst size as a count, or the reason it is not one, in the words of its own field. */
export function checkBurstCount(path: BurstPath, text: string): { ok: true; count: number } | { ok: false; error: string } {
  const count = wholeNumberFromText(text);
  const error = checkWholeNumber(BURST_FIELD_LABELS[path], count, BURST_LIMITS.minCount, BURST_LIMITS.maxCount);
  return error === null ? { ok: true, count: count as number } : { ok: false, error };
}

function sourceOf(pending: Exclude<PendingCommand, null>): MessageSource {
  return pending === 'burst-sleep' || pending === 'burst-hello' ? 'burst' : pending;
}

export function createCommandsSlice(api: PoolscopeApi): StateCreator<AppState, [], [], CommandsSlice> {
  return (set, get) => {
    const setCommands = (patch: Partial<CommandsState>): void => set((state) => ({ commands: { ...state.commands, ...patch } }));
    let nextMessageId = 1;

    const showMessage = (tone: UiMessage['tone'], text: string, source: MessageSource = 'server'): void => {
      const messages = get().commands.messages;
      const same = messages.find((message) => message.text === text && message.tone === tone);
      // The same words again move to the top with a count (and a new id, so they are announced again).
      const message: UiMessage = { id: nextMessageId++, tone, text, source, repeats: same ? same.repeats + 1 : 1 };
      setCommands({ messages: [message, ...messages.filter((m) => m !== same)].slice(0, MAX_MESSAGES) });
    };
    /** A command went through: its earlier failures, and any explanation of why it could not, are over. */
    const clearMessagesOf = (...sources: MessageSource[]): void => {
      const messages = get().commands.messages;
      const kept = messages.filter((message) => !sources.includes(message.source));
      if (kept.length !== messages.length) setCommands({ messages: kept });
    };

    async function call(command: () => Promise<CommandResult>): Promise<CommandResult> {
      try {
        return await command();
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }

    /** Runs one command with its button busy; a refusal becomes a message, and a field error when a field is to blame. */
    async function run(pending: Exclude<PendingCommand, null>, command: () => Promise<CommandResult>): Promise<CommandResult> {
      setCommands({ pending });
      const result = await call(command);
      // A later command may have taken the pending slot meanwhile; it clears its own.
      if (get().commands.pending === pending) setCommands({ pending: null, restartStep: null });
      report(sourceOf(pending), result);
      return result;
    }

    function report(source: MessageSource, result: CommandResult, prefix = '', suffix = ''): void {
      if (result.ok) {
        clearMessagesOf(source, 'explain', ...(source === 'start' || source === 'restart' ? (['start', 'restart'] as const) : []));
        if (source === 'start' || source === 'restart') setCommands({ fieldError: null });
        return;
      }
      showMessage('error', `${prefix}${result.error}${suffix}`, source);
      if (isSettingName(result.field)) setCommands({ fieldError: { field: result.field, text: result.error } });
    }

    return {
      commands: initialCommandsState(),
      commandActions: {
        async startServer() {
          const validation = get().view.formValidation;
          if (!validation.ok) {
            showMessage('error', validation.error, 'start');
            return;
          }
          await run('start', () => api.startServer(validation.value));
        },
        async stopServer() {
          await run('stop', () => api.stopServer());
        },
        async restartServer() {
          const validation = get().view.formValidation;
          if (!validation.ok) {
            showMessage('error', `Not restarted: ${validation.error}`, 'restart');
            return;
          }
          // What it runs with now: the server goes back to them should the new ones not start (a port in use).
          const previous = get().wire.status.phase === 'listening' ? get().wire.status.settings : null;
          setCommands({ pending: 'restart', restartStep: 'stopping' });
          const stopped = await call(() => api.stopServer());
          if (!stopped.ok) {
            setCommands({ pending: null, restartStep: null });
            report('restart', stopped, 'Not restarted: ');
            return;
          }
          setCommands({ restartStep: 'starting' });
          const started = await call(() => api.startServer(validation.value));
          if (started.ok || previous === null) {
            setCommands({ pending: null, restartStep: null });
            report('restart', started, 'Stopped, but not started again: ');
            return;
          }
          const restored = await call(() => api.startServer(previous));
          setCommands({ pending: null, restartStep: null });
          // Either way the new settings' fault marks its field; the message says whether the server is back as it was.
          if (restored.ok) report('restart', started, 'Not restarted: ', '. The server runs again with its previous settings.');
          else report('restart', started, 'Stopped, but not started again: ');
        },
        async fireBurst(path) {
          const view = get().view;
          const checked = checkBurstCount(path, path === '/sleep' ? view.sleepBurstCount : view.helloBurstCount);
          if (!checked.ok) {
            showMessage('error', checked.error, 'burst');
            return;
          }
          await run(path === '/sleep' ? 'burst-sleep' : 'burst-hello', () => api.fireBurst(path, checked.count));
        },
        setHistory(settings) {
          return call(() => api.setHistory(settings));
        },
        showMessage,
        dismissMessage(id) {
          const messages = get().commands.messages;
          if (messages.some((message) => message.id === id)) setCommands({ messages: messages.filter((message) => message.id !== id) });
        },
        explain(reason) {
          showMessage('info', reason, 'explain');
        },
        clearFieldError(field) {
          if (get().commands.fieldError?.field === field) setCommands({ fieldError: null });
        },
      },
    };
  };
}
