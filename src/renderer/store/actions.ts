// The only way the UI changes the server: each action validates what the person entered, calls the
// PoolscopeApi, and turns the answer into a message. Components call these and never the API itself.

import { type BurstPath, type CommandResult, validateCommand } from '../../shared/commands';
import type { PoolscopeApi } from '../../shared/wire';
import type { AppStore } from './app-store';
import type { PendingCommand } from './view-slice';

export interface Actions {
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  fireBurst(path: BurstPath): Promise<void>;
}

function parseCount(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export function createActions(api: PoolscopeApi, store: AppStore): Actions {
  const ui = () => store.getState().viewActions;

  async function run(pending: PendingCommand, call: () => Promise<CommandResult>): Promise<void> {
    ui().setPendingCommand(pending);
    let result: CommandResult;
    try {
      result = await call();
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    if (store.getState().view.pendingCommand === pending) ui().setPendingCommand(null);
    if (result.ok) ui().clearMessage();
    else ui().showMessage('error', result.error);
  }

  return {
    async startServer() {
      const validation = store.getState().view.formValidation;
      if (!validation.ok) {
        ui().showMessage('error', validation.error);
        return;
      }
      await run('start', () => api.startServer(validation.value));
    },
    async stopServer() {
      await run('stop', () => api.stopServer());
    },
    async fireBurst(path) {
      const view = store.getState().view;
      const count = parseCount(path === '/sleep' ? view.sleepBurstCount : view.helloBurstCount);
      const command = validateCommand({ type: 'fire-burst', path, count });
      if (!command.ok) {
        ui().showMessage('error', command.error);
        return;
      }
      await run(path === '/sleep' ? 'burst-sleep' : 'burst-hello', () => api.fireBurst(path, count as number));
    },
  };
}
