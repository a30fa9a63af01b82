// The sample chat page. Plain ES module, no framework, no build step: it imports the
// package's own browser client, which the sample serves from dist/client at /client/.
import { streamChat, StreamHttpError, StreamConnectionError } from '/client/index.js';

const $ = (id) => document.getElementById(id);

const form = $('ask');
const ui = {
  engine: $('engine'),
  clear: $('clear'),
  conversationId: $('conversation-id'),
  empty: $('empty'),
  history: $('history'),
  status: $('status'),
  keepalive: $('keepalive'),
  progress: $('progress'),
  progressFill: $('progress-fill'),
  progressText: $('progress-text'),
  warnings: $('warnings'),
  error: $('error'),
  errorMessage: $('error-message'),
  retry: $('retry'),
  message: $('message'),
  maxTokens: $('max-tokens'),
  useTools: $('use-tools'),
  useReasoning: $('use-reasoning'),
  send: $('send'),
  stop: $('stop'),
  log: $('log'),
};

const urls = {
  stream: form.dataset.streamUrl,
  streams: form.dataset.streamsUrl,
  engines: form.dataset.enginesUrl,
  conversations: form.dataset.conversationsUrl,
};
/**
 * The server's keepalive interval (the sample writes it into the page): the client reconnects
 * after twice as long without a byte. 0 means the server sends none, so silence proves nothing.
 */
const keepaliveMs = Number(document.documentElement.dataset.keepaliveMs ?? 15_000);
const idleTimeout = Number.isFinite(keepaliveMs) && keepaliveMs > 0 ? 2 * keepaliveMs : 0;
const RECONNECT_ATTEMPTS = 5;
/** The sample's tools (`POST /chat/stream` `tools`) and the model calls allowed per answer. */
const SAMPLE_TOOLS = ['add', 'now'];
const MAX_STEPS = 5;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/** @type {import('/client/index.js').ChatStream | undefined} */
let current;
let lastQuestion = '';
let countdown;
const conversationId = ensureConversationId();

// ---------------------------------------------------------------- conversation id

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The conversation id lives in the URL (`?c=…`), so a reload or a shared link shows the same conversation. */
function ensureConversationId() {
  const url = new URL(location.href);
  let id = url.searchParams.get('c');
  if (!id || !ID_PATTERN.test(id)) {
    id = randomId();
    url.searchParams.set('c', id);
    history.replaceState(null, '', url);
  }
  ui.conversationId.textContent = id;
  return id;
}

// ---------------------------------------------------------------- small helpers

function time(date = new Date()) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

function log(text) {
  const item = document.createElement('li');
  item.textContent = `${time()} ${text}`;
  ui.log.append(item);
  while (ui.log.children.length > 200) ui.log.firstElementChild.remove();
}

function setStatus(state, text) {
  stopCountdown();
  ui.status.dataset.state = state;
  ui.status.textContent = text;
  log(text);
}

function stopCountdown() {
  if (countdown !== undefined) clearInterval(countdown);
  countdown = undefined;
}

function setBusy(busy) {
  ui.send.disabled = busy;
  ui.stop.disabled = !busy;
  ui.engine.disabled = busy;
  ui.clear.disabled = busy;
  ui.useTools.disabled = busy;
  ui.useReasoning.disabled = busy;
}

async function fetchJson(url, init) {
  const response = await fetch(url, { headers: { accept: 'application/json' }, ...init });
  if (!response.ok) throw new StreamHttpError(response.status, await response.json().catch(() => undefined), undefined);
  return response.status === 204 ? undefined : response.json();
}

// ---------------------------------------------------------------- history

function updateEmpty() {
  ui.empty.hidden = ui.history.children.length > 0;
}

/** Adds one message bubble; text is always set as text, never as HTML. */
function addMessage(role, content, meta = {}) {
  const item = document.createElement('li');
  item.className = `message ${role}`;
  item.dataset.role = role;
  const label = document.createElement('p');
  label.className = 'meta';
  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = content;
  item.append(label, text);
  setMeta(item, meta);
  if (meta.note) setNote(item, meta.note);
  ui.history.append(item);
  updateEmpty();
  item.scrollIntoView({ block: 'nearest' });
  return item;
}

function setMeta(item, { engine, model } = {}) {
  const who = item.dataset.role === 'user' ? 'You' : item.dataset.role === 'system' ? 'System' : 'Assistant';
  const label = item.querySelector('.meta');
  label.textContent = [who, engine, model].filter(Boolean).join(' · ');
  if (engine) item.dataset.engine = engine;
  if (model) item.dataset.model = model;
}

function setNote(item, note) {
  let element = item.querySelector('.note');
  if (!element) {
    element = document.createElement('p');
    element.className = 'note';
    item.append(element);
  }
  element.textContent = note;
}

async function loadHistory() {
  try {
    const body = await fetchJson(`${urls.conversations}${encodeURIComponent(conversationId)}/messages`);
    const messages = Array.isArray(body) ? body : Array.isArray(body?.messages) ? body.messages : [];
    ui.history.replaceChildren();
    for (const message of messages) {
      if (typeof message?.content !== 'string') continue;
      const metadata = message.metadata ?? {};
      addMessage(message.role, message.content, {
        engine: message.engine ?? metadata.engine,
        model: metadata.model,
        note: metadata.incomplete ? 'This answer was cut short.' : undefined,
      });
    }
    log(`history loaded: ${messages.length} message(s)`);
  } catch (error) {
    if (error instanceof StreamHttpError && error.status === 404) log('no stored history for this conversation');
    else log(`could not load the history: ${error.message}`);
  }
  updateEmpty();
}

async function clearConversation() {
  if (current) return;
  ui.clear.disabled = true;
  try {
    try {
      await fetchJson(`${urls.conversations}${encodeURIComponent(conversationId)}`, { method: 'DELETE' });
    } catch (error) {
      // 404: nothing stored for this conversation (never used, or already cleared): it is clear
      if (!(error instanceof StreamHttpError && error.status === 404)) throw error;
    }
    ui.history.replaceChildren();
    updateEmpty();
    hideError();
    clearWarnings();
    resetProgress();
    setStatus('cleared', 'Conversation cleared');
  } catch (error) {
    showError(`Could not clear the conversation: ${error.message}`, false);
  } finally {
    ui.clear.disabled = false;
  }
}

// ---------------------------------------------------------------- engines

async function loadEngines() {
  try {
    const { default: fallback, engines } = await fetchJson(urls.engines);
    ui.engine.replaceChildren(
      ...engines.map((name) => {
        const option = document.createElement('option');
        option.value = name;
        option.textContent = name === fallback ? `${name} (default)` : name;
        return option;
      }),
    );
    ui.engine.value = fallback;
  } catch (error) {
    log(`could not list the engines: ${error.message}`);
  }
}

// ---------------------------------------------------------------- progress, warnings, errors

function resetProgress() {
  ui.progress.setAttribute('aria-valuenow', '0');
  ui.progress.setAttribute('aria-valuetext', 'Not started');
  ui.progressFill.style.width = '0%';
  ui.progressText.textContent = 'Processing: –';
}

function showProgress({ processed, total, percent }) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  ui.progress.setAttribute('aria-valuenow', String(value));
  ui.progress.setAttribute('aria-valuetext', `${processed} of ${total} (${value} %)`);
  ui.progressFill.style.width = `${value}%`;
  ui.progressText.textContent = `Processing: ${processed}/${total}`;
}

function addWarning(text) {
  const box = document.createElement('div');
  box.className = 'warning';
  const message = document.createElement('p');
  message.textContent = text;
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.textContent = 'Dismiss';
  dismiss.setAttribute('aria-label', `Dismiss warning: ${text}`);
  dismiss.addEventListener('click', () => {
    box.remove();
    ui.message.focus();
  });
  box.append(message, dismiss);
  ui.warnings.append(box);
}

function clearWarnings() {
  ui.warnings.replaceChildren();
}

function showError(text, retry) {
  ui.errorMessage.textContent = text;
  ui.retry.hidden = !retry;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.errorMessage.textContent = '';
}

// ---------------------------------------------------------------- tool calls, reasoning, sources

/** JSON for display (two-space indent); text that is not JSON as it is. */
function pretty(value) {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * What an answer shows besides its text, in stream order above it: a collapsible block per run
 * of reasoning, a card per tool call (name, arguments as they stream then parsed, then the
 * result or the error; "waiting for approval" for a call that needs it), and the sources.
 * Everything is set as text, never as HTML.
 */
class AnswerParts {
  constructor(answer) {
    this.answer = answer;
    this.list = document.createElement('div');
    this.list.className = 'parts';
    answer.querySelector('.text').before(this.list);
    /** @type {Map<string, HTMLElement>} */
    this.cards = new Map();
    this.reasoning = undefined;
    this.sources = undefined;
    /** What the step under way added: a restart (reset) takes it back. */
    this.step = [];
  }

  add(element) {
    this.list.append(element);
    this.step.push(element);
    return element;
  }

  onReasoning(content) {
    if (!this.reasoning) {
      const block = document.createElement('details');
      block.className = 'reasoning';
      block.open = true; // open while it streams; closed once the answer goes on
      const summary = document.createElement('summary');
      summary.textContent = 'Reasoning';
      const body = document.createElement('p');
      body.className = 'reasoning-content';
      block.append(summary, body);
      this.reasoning = this.add(block);
    }
    this.reasoning.querySelector('.reasoning-content').textContent += content;
  }

  /** The reasoning so far is over (a tool call or text came): fold it. */
  endReasoning() {
    if (!this.reasoning) return;
    this.reasoning.open = false;
    this.reasoning.dataset.state = 'done';
    this.reasoning = undefined;
  }

  card(id, name) {
    let card = this.cards.get(id);
    if (!card) {
      this.endReasoning();
      card = document.createElement('section');
      card.className = 'tool-call';
      card.dataset.toolId = id;
      card.setAttribute('aria-label', `Tool call ${name}`);
      const title = document.createElement('p');
      title.className = 'tool-title';
      const label = document.createElement('span');
      label.className = 'tool-label';
      label.textContent = 'Tool';
      const toolName = document.createElement('code');
      toolName.className = 'tool-name';
      const state = document.createElement('span');
      state.className = 'tool-state';
      title.append(label, ' ', toolName, ' ', state);
      const args = document.createElement('pre');
      args.className = 'tool-args';
      args.setAttribute('aria-label', 'Arguments');
      card.append(title, args);
      this.cards.set(id, this.add(card));
    }
    if (name) card.querySelector('.tool-name').textContent = name;
    return card;
  }

  setState(card, state, text) {
    card.dataset.state = state;
    card.querySelector('.tool-state').textContent = text;
  }

  onToolCallDelta({ id, name, argsTextDelta }) {
    const card = this.card(id, name);
    if (card.dataset.state !== 'streaming') this.setState(card, 'streaming', 'arguments streaming…');
    card.querySelector('.tool-args').textContent += argsTextDelta;
  }

  onToolCall({ id, name, args }) {
    const card = this.card(id, name);
    card.querySelector('.tool-args').textContent = pretty(args);
    this.setState(card, 'called', 'running…');
  }

  onToolApproval({ id, name, args }) {
    const card = this.card(id, name);
    card.querySelector('.tool-args').textContent = pretty(args);
    this.setState(card, 'approval', 'waiting for approval');
  }

  onToolResult({ id, name, result, error }) {
    const card = this.card(id, name);
    let out = card.querySelector('.tool-output');
    if (!out) {
      out = document.createElement('pre');
      card.append(out);
    }
    if (error) {
      out.className = 'tool-output tool-error';
      out.setAttribute('aria-label', 'Error');
      out.textContent = error.message;
      this.setState(card, 'error', 'failed');
    } else {
      out.className = 'tool-output tool-result';
      out.setAttribute('aria-label', 'Result');
      out.textContent = pretty(result);
      this.setState(card, 'done', 'done');
    }
    // a result belongs to a finished step: a restart of the next step keeps it
    this.step = [];
  }

  onSource({ url, title }) {
    if (!this.sources) {
      const box = document.createElement('div');
      box.className = 'sources';
      const heading = document.createElement('p');
      heading.className = 'sources-title';
      heading.textContent = 'Sources';
      box.append(heading, document.createElement('ul'));
      this.sources = box;
      this.list.after(box);
    }
    const item = document.createElement('li');
    let safe;
    try {
      safe = new URL(url);
    } catch {
      safe = undefined;
    }
    if (safe && (safe.protocol === 'https:' || safe.protocol === 'http:')) {
      const link = document.createElement('a');
      link.href = safe.href;
      link.rel = 'noopener noreferrer';
      link.target = '_blank';
      link.textContent = title || safe.href;
      item.append(link);
    } else {
      item.textContent = title ? `${title} (${url})` : url;
    }
    this.sources.querySelector('ul').append(item);
  }

  /** A retry or fallback restarted the step under way: what it had shown goes. */
  reset() {
    for (const element of this.step) {
      element.remove();
      if (element.dataset.toolId) this.cards.delete(element.dataset.toolId);
      if (element === this.reasoning) this.reasoning = undefined;
    }
    this.step = [];
  }

  /** The answer ended: reasoning still open is folded, calls still running say they stopped. */
  end() {
    this.endReasoning();
    for (const card of this.cards.values()) {
      if (card.dataset.state === 'streaming' || card.dataset.state === 'called') this.setState(card, 'incomplete', 'no result');
    }
  }
}

// ---------------------------------------------------------------- streaming

function onStatus(status, answer) {
  switch (status.state) {
    case 'connecting':
      setStatus('connecting', 'Connecting…');
      break;
    case 'open':
      setStatus('open', 'Connected, waiting for the answer…');
      break;
    case 'reconnecting': {
      const until = Date.now() + status.delayMs;
      const render = () => {
        const seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
        const text = `Connection lost. Reconnecting (attempt ${status.attempt} of ${status.maxAttempts}), next try in ${seconds} s…`;
        if (ui.status.textContent !== text) ui.status.textContent = text; // once a second at most
      };
      setStatus(
        'reconnecting',
        `Connection lost. Reconnecting (attempt ${status.attempt} of ${status.maxAttempts}), next try in ${Math.ceil(status.delayMs / 1000)} s…`,
      );
      countdown = setInterval(render, 250);
      break;
    }
    case 'resumed':
      setStatus('resumed', `Resumed after ${status.attempt} attempt${status.attempt === 1 ? '' : 's'}; the answer goes on.`);
      setNote(answer, 'The connection dropped and this answer was resumed where it stopped.');
      break;
    default:
      break; // closed: handled by finish()
  }
}

function ask(question) {
  if (current || question.trim() === '') return;
  lastQuestion = question;
  hideError();
  clearWarnings();
  resetProgress();
  ui.keepalive.hidden = true;
  addMessage('user', question);
  const answer = addMessage('assistant', '');
  answer.dataset.state = 'streaming';
  answer.setAttribute('aria-busy', 'true');
  const text = answer.querySelector('.text');
  const parts = new AnswerParts(answer);
  const maxTokens = Number(ui.maxTokens.value);
  const options = {
    ...(Number.isInteger(maxTokens) && maxTokens > 0 && { maxTokens }),
    ...(ui.useReasoning.checked && { reasoning: { effort: 'low' } }),
  };
  setBusy(true);

  const stream = streamChat({
    url: urls.stream,
    body: {
      messages: [{ role: 'user', content: question }],
      ...(ui.engine.value && { engine: ui.engine.value }),
      ...(Object.keys(options).length > 0 && { options }),
      ...(ui.useTools.checked && { tools: SAMPLE_TOOLS, maxSteps: MAX_STEPS }),
      conversationId,
    },
    // the POST is never sent twice: a dropped connection resumes on the stream's own URL
    resumeUrl: (id) => `${urls.streams}${encodeURIComponent(id)}`,
    stopUrl: (id) => `${urls.streams}${encodeURIComponent(id)}`,
    reconnectAttempts: RECONNECT_ATTEMPTS,
    reconnectDelay: 1000,
    maxReconnectDelay: 8000,
    idleTimeout,
    onStatus: (status) => onStatus(status, answer),
    onStart: ({ engine, model, streamId }) => {
      setMeta(answer, { engine, model });
      answer.dataset.streamId = streamId;
      setStatus('streaming', `Streaming from ${[engine, model].filter(Boolean).join(' · ') || 'the engine'}…`);
    },
    onContent: ({ content }) => {
      parts.endReasoning();
      text.textContent += content;
    },
    onReasoning: ({ content }) => parts.onReasoning(content),
    onToolCallDelta: (data) => parts.onToolCallDelta(data),
    onToolCall: (data) => {
      parts.onToolCall(data);
      log(`tool_call ${data.name}`);
    },
    onToolResult: (data) => {
      parts.onToolResult(data);
      log(`tool_result ${data.name}${data.error ? ' (error)' : ''}`);
    },
    onToolApproval: (data) => {
      parts.onToolApproval(data);
      log(`tool_approval ${data.name}`);
    },
    onSource: (data) => parts.onSource(data),
    onProgress: showProgress,
    onKeepalive: () => {
      ui.keepalive.hidden = false;
      ui.keepalive.textContent = `Keepalive received at ${time()}`;
    },
    onChunkError: ({ message, index }) => {
      addWarning(
        `A part of the answer${index === undefined ? '' : ` (chunk ${index + 1})`} could not be processed and was skipped: ${message} The answer goes on.`,
      );
      log(`chunk_error${index === undefined ? '' : ` at index ${index}`}`);
    },
    onRetry: ({ attempt, maxAttempts, reset }) => {
      if (reset) {
        text.textContent = stream.content;
        parts.reset();
      }
      setStatus('streaming', `The engine failed; trying again (attempt ${attempt} of ${maxAttempts})…`);
    },
    onFallback: ({ from, to, reset }) => {
      if (reset) {
        text.textContent = stream.content;
        parts.reset();
      }
      setMeta(answer, { engine: to });
      setStatus('streaming', `${from} failed; answering with ${to}…`);
    },
  });
  current = stream;
  stream.done.then((outcome) => {
    parts.end();
    finish(outcome, answer, text);
  });
}

function finish(outcome, answer, text) {
  current = undefined;
  setBusy(false);
  answer.removeAttribute('aria-busy');
  // whatever arrived before the end is what the client kept (no event twice)
  text.textContent = outcome.content;
  answer.dataset.state = outcome.reason;
  const { complete, streamError, error } = outcome;
  switch (outcome.reason) {
    case 'complete': {
      const usage = complete?.usage ? `, ${complete.usage.completionTokens} tokens` : '';
      setStatus('done', `Done (${complete?.finishReason ?? 'stop'}${usage}).`);
      if (complete?.finishReason === 'length') setNote(answer, 'The answer reached the max tokens limit.');
      break;
    }
    case 'aborted':
      setStatus('stopped', 'Stopped.');
      setNote(answer, 'Stopped before the end.');
      break;
    case 'finished':
      // the server finished (or dropped) the stream while we were away: memory has the final text
      setStatus('finished', 'The answer ended while the connection was down; showing the stored conversation.');
      void loadHistory();
      break;
    case 'stream_error':
      if (streamError?.code === 'resync') interrupted(answer, 'the server no longer has this stream (it may have restarted)');
      else {
        setStatus('error', 'The answer failed.');
        setNote(answer, 'The answer failed.');
        showError(streamError?.message ?? 'The answer failed.', true);
      }
      break;
    default:
      if (error instanceof StreamHttpError && outcome.streamId !== undefined && (error.status === 404 || error.status === 410)) {
        interrupted(answer, 'the server no longer has this stream (it may have restarted)');
      } else if (error instanceof StreamConnectionError) {
        setStatus('error', 'Connection lost.');
        setNote(answer, 'The connection was lost.');
        showError(
          error.attempts > 0 ? `The connection was lost and could not be restored after ${error.attempts} attempts.` : 'Could not reach the server.',
          true,
        );
      } else {
        setStatus('error', 'The request failed.');
        answer.remove();
        updateEmpty();
        showError(error?.message ?? 'The request failed.', !(error instanceof StreamHttpError) || error.retryable);
      }
  }
}

function interrupted(answer, why) {
  setStatus('interrupted', 'The answer was interrupted.');
  setNote(answer, 'The answer was interrupted.');
  showError(`The answer was interrupted: ${why}. Ask again to get a whole answer.`, true);
}

// ---------------------------------------------------------------- wiring

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const question = ui.message.value;
  if (question.trim() === '' || current) return;
  ui.message.value = '';
  ask(question);
});

ui.message.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

ui.stop.addEventListener('click', () => {
  // closes the connection and sends DELETE to the stream's URL: the server stops the provider request
  current?.abort();
  ui.message.focus();
});

ui.retry.addEventListener('click', () => {
  hideError();
  ask(lastQuestion);
});

ui.clear.addEventListener('click', () => void clearConversation());

resetProgress();
updateEmpty();
await Promise.all([loadEngines(), loadHistory()]);
document.documentElement.dataset.ready = 'true';
ui.message.focus();
