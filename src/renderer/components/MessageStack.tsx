// The recent messages, newest first: a command's failure in words, or why a control could not act. A later
// message never silently replaces an earlier one; each stays until dismissed or until the same command succeeds
// (explanations fade after a while). The stack floats just under the controls, where the eye is after a click,
// over what lies below, so it never moves the layout.

import { type ReactNode, useEffect } from 'react';
import type { UiMessage } from '../store/commands-slice';
import { useAppStore } from '../store/use-app-store';

/** An explanation (why a button could not act) is read and done with; errors wait to be dismissed. */
const EXPLANATION_SHOWN_MS = 8_000;

function MessageItem({ message }: { message: UiMessage }): ReactNode {
  const dismissMessage = useAppStore((s) => s.commandActions.dismissMessage);
  useEffect(() => {
    if (message.source !== 'explain') return;
    const timer = setTimeout(() => dismissMessage(message.id), EXPLANATION_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [message.id, message.source, dismissMessage]);
  return (
    <li className={`ui-message tone-${message.tone}`} data-source={message.source}>
      {/* The alert holds the words only, so what it announces (and its text) is exactly the message. */}
      <p className="ui-message-text" role={message.tone === 'error' ? 'alert' : 'status'} data-testid="ui-message">
        {message.text}
      </p>
      {message.repeats > 1 && <span className="ui-message-repeats">×{message.repeats}</span>}
      <button type="button" className="dismiss" aria-label={`Dismiss: ${message.text}`} onClick={() => dismissMessage(message.id)}>
        ×
      </button>
    </li>
  );
}

export function MessageStack(): ReactNode {
  const messages = useAppStore((s) => s.commands.messages);
  if (messages.length === 0) return null;
  return (
    <section className="ui-messages" aria-label={messages.length === 1 ? 'Message' : `${messages.length} messages`} data-testid="messages">
      <ol>
        {messages.map((message) => (
          // Keyed by id: a repeated message is a new item, so it is announced again.
          <MessageItem key={message.id} message={message} />
        ))}
      </ol>
    </section>
  );
}
