import { useChat } from '@ai-sdk/react';
import {
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type ChatAddToolApproveResponseFunction,
  type UIMessage,
} from 'ai';
import { useMemo, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { withoutDiscardedTries } from '@bupple/nestjs-ai-engine/client';

/** One chat per tab session: the id survives a reload, so `resume: true` finds the running answer. */
function chatId(): string {
  const saved = sessionStorage.getItem('bupple-chat-id');
  if (saved) return saved;
  const id = `chat-${Math.random().toString(36).slice(2, 10)}`;
  sessionStorage.setItem('bupple-chat-id', id);
  return id;
}

/** Keeps the messages across a reload (useChat keeps them in memory only), as an app's own store would. */
function savedMessages(id: string): UIMessage[] {
  try {
    return JSON.parse(sessionStorage.getItem(`bupple-chat-${id}`) ?? '[]') as UIMessage[];
  } catch {
    return [];
  }
}

/** The tools the page offers: `add`, `now` (server), `localTime` (run here, in the browser), `transfer` (server, after approval). */
const TOOLS = ['add', 'now', 'localTime', 'transfer'];

function Part({ part, respond }: { part: UIMessage['parts'][number]; respond: ChatAddToolApproveResponseFunction }) {
  if (part.type === 'text') return <span className="text">{part.text}</span>;
  if (part.type === 'reasoning') {
    return (
      <details className="reasoning">
        <summary>Reasoning</summary>
        {part.text}
      </details>
    );
  }
  if (part.type.startsWith('tool-')) {
    const tool = part as { type: string; state: string; input?: unknown; output?: unknown; errorText?: string; approval?: { id: string } };
    return (
      <div className="tool-card" data-state={tool.state} data-tool={tool.type.slice(5)}>
        <strong>{tool.type.slice(5)}</strong> <code>{JSON.stringify(tool.input ?? {})}</code>
        {tool.state === 'approval-requested' && tool.approval && (
          <span className="approval">
            <button type="button" className="approve" onClick={() => void respond({ id: tool.approval!.id, approved: true })}>
              Approve
            </button>
            <button type="button" className="deny" onClick={() => void respond({ id: tool.approval!.id, approved: false, reason: 'denied on the page' })}>
              Deny
            </button>
          </span>
        )}
        {tool.state === 'output-available' && <div className="tool-output">→ {JSON.stringify(tool.output)}</div>}
        {tool.state === 'output-error' && <div className="tool-error">✗ {tool.errorText}</div>}
      </div>
    );
  }
  return null;
}

function App() {
  const id = useMemo(chatId, []);
  const [input, setInput] = useState('');
  const { messages, sendMessage, status, stop, error, addToolOutput, addToolApprovalResponse } = useChat({
    id,
    messages: savedMessages(id),
    transport: new DefaultChatTransport({ api: '/api/chat', body: { tools: TOOLS } }),
    resume: true,
    // a tool without execute on the server runs here; its output goes back in the next request
    onToolCall: ({ toolCall }) => {
      if (toolCall.toolName === 'localTime' && !toolCall.dynamic)
        void addToolOutput({
          tool: 'localTime',
          toolCallId: toolCall.toolCallId,
          output: { iso: new Date().toISOString(), zone: Intl.DateTimeFormat().resolvedOptions().timeZone },
        });
    },
    sendAutomaticallyWhen: (options) => lastAssistantMessageIsCompleteWithToolCalls(options) || lastAssistantMessageIsCompleteWithApprovalResponses(options),
    onFinish: ({ messages: all }) => sessionStorage.setItem(`bupple-chat-${id}`, JSON.stringify(all)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!input.trim()) return;
    void sendMessage({ text: input });
    sessionStorage.setItem(`bupple-chat-${id}`, JSON.stringify([...messages, { id: 'pending', role: 'user', parts: [{ type: 'text', text: input }] }]));
    setInput('');
  };
  return (
    <main>
      <h1>useChat against a Nest backend</h1>
      <ol id="messages">
        {/* a restart after content (retry with reset) leaves the lost try in useChat's messages: show the answer once */}
        {messages.map(withoutDiscardedTries).map((message) => (
          <li key={message.id} className={`message ${message.role}`} data-role={message.role}>
            {message.parts.map((part, i) => (
              <Part key={i} part={part} respond={addToolApprovalResponse} />
            ))}
          </li>
        ))}
      </ol>
      {error && (
        <p id="error" role="alert">
          {error.message}
        </p>
      )}
      <form onSubmit={submit}>
        <input id="prompt" value={input} onChange={(event) => setInput(event.target.value)} placeholder="Ask something" aria-label="Message" />
        <button id="send" type="submit" disabled={status === 'streaming' || status === 'submitted'}>
          Send
        </button>
        <button
          id="stop"
          type="button"
          onClick={() => {
            void stop();
            // useChat's stop() drops the connection only; the answer would go on for a reload to resume
            void fetch(`/api/chat/${encodeURIComponent(id)}/stream`, { method: 'DELETE' });
          }}
          disabled={status !== 'streaming' && status !== 'submitted'}
        >
          Stop
        </button>
      </form>
      <p id="status" data-status={status}>
        {status}
      </p>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
