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
    await fetchJson(`${urls.conversations}${encodeURIComponent(conversationId)}`, { method: 'DELETE' });
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
  const maxTokens = Number(ui.maxTokens.value);
  setBusy(true);

  const stream = streamChat({
    url: urls.stream,
    body: {
      messages: [{ role: 'user', content: question }],
      ...(ui.engine.value && { engine: ui.engine.value }),
      ...(Number.isInteger(maxTokens) && maxTokens > 0 && { options: { maxTokens } }),
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
      text.textContent += content;
    },
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
      if (reset) text.textContent = stream.content;
      setStatus('streaming', `The engine failed; trying again (attempt ${attempt} of ${maxAttempts})…`);
    },
    onFallback: ({ from, to, reset }) => {
      if (reset) text.textContent = stream.content;
      setMeta(answer, { engine: to });
      setStatus('streaming', `${from} failed; answering with ${to}…`);
    },
  });
  current = stream;
  stream.done.then((outcome) => finish(outcome, answer, text));
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
