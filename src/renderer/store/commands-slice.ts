// The commands a person sends the server (start, stop, fire a burst), which one is in flight, and the
// one message that says how a command went. Each command validates what was typed, calls the
// PoolscopeApi and turns the answer into that message; components call these and never the API itself.

import type { StateCreator } from 'zustand/vanilla';
import { type BurstPath, type CommandResult, validateCommand } from '../../shared/commands';
import { wholeNumberFromText } from '../../shared/settings';
import type { PoolscopeApi } from '../../shared/wire';
import type { AppState } from './app-store';

export type PendingCommand = 'start' | 'stop' | 'burst-sleep' | 'burst-hello' | null;

export interface UiMessage {
  tone: 'error' | 'info';
  text: string;
  /** Distinguishes two equal texts in a row, so the alert is announced again. */
  serial: number;
}

export interface CommandsState {
  /** The command waiting for its answer (its button shows busy), or null. */
  pending: PendingCommand;
  message: UiMessage | null;
}

export interface CommandActions {
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  fireBurst(path: BurstPath): Promise<void>;
  showMessage(tone: UiMessage['tone'], text: string): void;
  clearMessage(): void;
}

export interface CommandsSlice {
  commands: CommandsState;
  commandActions: CommandActions;
}

export function initialCommandsState(): CommandsState {
  return { pending: null, message: null };
}

export function createCommandsSlice(api: PoolscopeApi): StateCreator<AppState, [], [], CommandsSlice> {
  return (set, get) => {
    const setCommands = (patch: Partial<CommandsState>): void => set((state) => ({ commands: { ...state.commands, ...patch } }));
    let messageSerial = 0;

    const showMessage = (tone: UiMessage['tone'], text: string): void => {
      setCommands({ message: { tone, text, serial: ++messageSerial } });
    };
    const clearMessage = (): void => {
      if (get().commands.message !== null) setCommands({ message: null });
    };

    async function run(pending: Exclude<PendingCommand, null>, call: () => Promise<CommandResult>): Promise<void> {
      setCommands({ pending });
      let result: CommandResult;
      try {
        result = await call();
      } catch (error) {
        result = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      // A later command may have taken the pending slot meanwhile; it clears its own.
      if (get().commands.pending === pending) setCommands({ pending: null });
      if (result.ok) clearMessage();
      else showMessage('error', result.error);
    }

    return {
      commands: initialCommandsState(),
      commandActions: {
        async startServer() {
          const validation = get().view.formValidation;
          if (!validation.ok) {
            showMessage('error', validation.error);
            return;
          }
          await run('start', () => api.startServer(validation.value));
        },
        async stopServer() {
          await run('stop', () => api.stopServer());
        },
        async fireBurst(path) {
          const view = get().view;
          const count = wholeNumberFromText(path === '/sleep' ? view.sleepBurstCount : view.helloBurstCount);
          const command = validateCommand({ type: 'fire-burst', path, count });
          if (!command.ok) {
            showMessage('error', command.error);
            return;
          }
          await run(path === '/sleep' ? 'burst-sleep' : 'burst-hello', () => api.fireBurst(path, count as number));
        },
        showMessage,
        clearMessage,
      },
    };
  };
}
