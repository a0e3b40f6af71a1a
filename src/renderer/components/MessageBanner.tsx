// The one alert: a command's failure in words (or a short notice), until dismissed or the next success.
// The alert element holds the words only, so what it announces (and its text) is exactly the message.

import type { ReactNode } from 'react';
import { useAppStore } from '../store/use-app-store';

export function MessageBanner(): ReactNode {
  const message = useAppStore((s) => s.commands.message);
  const clearMessage = useAppStore((s) => s.commandActions.clearMessage);
  if (message === null) return null;
  return (
    <div className={`ui-message tone-${message.tone}`} key={message.serial}>
      <p className="ui-message-text" role={message.tone === 'error' ? 'alert' : 'status'} data-testid="ui-message">
        {message.text}
      </p>
      <button type="button" className="dismiss" aria-label="Dismiss message" onClick={clearMessage}>
        ×
      </button>
    </div>
  );
}
