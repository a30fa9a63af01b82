import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses, lastAssistantMessageIsCompleteWithToolCalls, type UIMessage } from 'ai';
import type { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { asJson, NodeChat } from './node-chat.js';
import { startOfflineSample } from '../utils/sample-app.js';

/**
 * Tools run by the browser and tools that wait for the user's approval, as useChat does them,
 * with the ai package's own chat (AbstractChat) against the sample's POST /api/chat on the
 * offline engine: `addToolOutput` + `sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls`,
 * `addToolApprovalResponse` + `lastAssistantMessageIsCompleteWithApprovalResponses`.
 */
describe('client-side tools and approvals (useChat), with the ai package as the client', () => {
  let app: INestApplication;
  let base: string;
  let offline: OfflineDriver;

  beforeAll(async () => {
    ({ app, base, offline } = await startOfflineSample({ tokenDelayMs: 0 }));
  });
  afterAll(() => app.close());

  const stored = async (id: string) => (await (await fetch(`${base}/api/chat/${id}/messages`)).json()) as UIMessage[];
  const strip = (m: UIMessage) => ({ id: m.id, role: m.role, parts: m.parts });
  const chatOf = (id: string, extra: Partial<ConstructorParameters<typeof NodeChat>[0]> = {}) =>
    new NodeChat({
      id,
      transport: new DefaultChatTransport({ api: `${base}/api/chat`, body: { tools: ['add', 'localTime', 'transfer'] } }),
      sendAutomaticallyWhen: (options) => lastAssistantMessageIsCompleteWithToolCalls(options) || lastAssistantMessageIsCompleteWithApprovalResponses(options),
      ...extra,
    });

  it('a tool without execute runs in the client (onToolCall + addToolOutput); the output goes to the model as its result and the answer continues the same message', async () => {
    const before = offline.requests.length;
    const calls: string[] = [];
    const chat: NodeChat = chatOf('client-tool', {
      onToolCall: ({ toolCall }) => {
        calls.push(toolCall.toolName);
        if (toolCall.toolName === 'localTime')
          void chat.addToolOutput({ tool: 'localTime', toolCallId: toolCall.toolCallId, output: { iso: '2026-12-02T03:00:00.000Z', zone: 'Europe/Paris' } });
      },
    });
    await chat.sendMessage({ text: 'What is my localTime?' });
    await chat.settled();
    expect(chat.status).toBe('ready');
    expect(calls).toEqual(['localTime']);
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const answer = chat.messages[1];
    const tool = answer.parts.find((p) => p.type === 'tool-localTime');
    expect(tool).toMatchObject({ state: 'output-available', output: { iso: '2026-12-02T03:00:00.000Z', zone: 'Europe/Paris' } });
    const text = answer.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text);
    expect(text.join('')).toBe('localTime returned {"iso":"2026-12-02T03:00:00.000Z","zone":"Europe/Paris"}.');
    // two model calls: the call, then the answer with the browser's result as the tool result
    const requests = offline.requests.slice(before);
    expect(requests).toHaveLength(2);
    expect(requests[1].messages.slice(-2)).toEqual([
      { role: 'assistant', content: [expect.objectContaining({ type: 'tool-call', name: 'localTime', id: (tool as { toolCallId: string }).toolCallId })] },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            id: (tool as { toolCallId: string }).toolCallId,
            name: 'localTime',
            result: { iso: '2026-12-02T03:00:00.000Z', zone: 'Europe/Paris' },
          },
        ],
      },
    ]);
    // memory holds the one continued message, as the client has it
    expect((await stored('client-tool')).map(strip)).toEqual(asJson(chat.messages).map(strip));
  });

  it('a tool that needs approval: approval-requested, then addToolApprovalResponse approves it; the server runs it and the model answers with its result', async () => {
    const before = offline.requests.length;
    const chat = chatOf('approve');
    await chat.sendMessage({ text: 'Please transfer 5' });
    await chat.settled();
    const waiting = chat.messages[1].parts.find((p) => p.type === 'tool-transfer') as { state: string; approval?: { id: string }; input: unknown };
    expect(waiting).toMatchObject({ state: 'approval-requested', input: { amount: 5 } });
    await chat.addToolApprovalResponse({ id: waiting.approval!.id, approved: true });
    await chat.settled();
    expect(chat.status).toBe('ready');
    expect(chat.messages).toHaveLength(2);
    const done = chat.messages[1].parts.find((p) => p.type === 'tool-transfer');
    expect(done).toMatchObject({ state: 'output-available', output: { sent: 5, reference: 'T-500' } });
    const text = chat.messages[1].parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text);
    expect(text.join('')).toBe('transfer returned {"sent":5,"reference":"T-500"}.');
    expect(offline.requests.length - before).toBe(2);
    expect((await stored('approve')).map(strip)).toEqual(asJson(chat.messages).map(strip));
  });

  it('a denied approval: the tool does not run, the model hears the denial with the reason', async () => {
    const chat = chatOf('deny');
    await chat.sendMessage({ text: 'Please transfer 7' });
    await chat.settled();
    const waiting = chat.messages[1].parts.find((p) => p.type === 'tool-transfer') as { approval?: { id: string } };
    await chat.addToolApprovalResponse({ id: waiting.approval!.id, approved: false, reason: 'not today' });
    await chat.settled();
    // as the AI SDK's own server answers a denial: tool-output-denied, the reason kept on the approval
    const denied = chat.messages[1].parts.find((p) => p.type === 'tool-transfer') as { state: string; approval?: { approved: boolean; reason?: string } };
    expect(denied.state).toBe('output-denied');
    expect(denied.approval).toMatchObject({ approved: false, reason: 'not today' });
    const text = chat.messages[1].parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text);
    expect(text.join('')).toBe('transfer failed: The user denied the call of tool "transfer": not today.');
  });

  it('a continuation with nothing to continue (no tool output, no approval) is a 400 before any provider call', async () => {
    const before = offline.requests.length;
    const response = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'nothing',
        trigger: 'submit-message',
        messages: [
          { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] },
          { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'hello' }] },
        ],
      }),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('no tool output or approval');
    expect(offline.requests.length).toBe(before);
  });
});
