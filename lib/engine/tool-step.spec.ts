import { resolveTools } from '../tools/resolve-tools.js';
import { toolStep } from './tool-step.js';

const tools = resolveTools(
  {
    add: {
      description: 'adds',
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
      execute: ({ a, b }: { a: number; b: number }) => a + b,
    },
    pay: { description: 'pays', parameters: { type: 'object' }, needsApproval: true, execute: () => 'paid' },
  } as never,
  undefined,
);

describe('toolStep()', () => {
  const context = { tools, signal: new AbortController().signal, messages: [], step: 0 };

  it('runs every call and goes back to the model with the results', async () => {
    const heard: unknown[] = [];
    const end = await toolStep([{ id: 'c1', name: 'add', args: { a: 2, b: 3 }, argsJson: true }], context, (r) => heard.push(r));
    expect(end).toEqual({ next: 'model', results: [{ id: 'c1', name: 'add', result: 5 }] });
    expect(heard).toEqual(end.results);
  });

  it('ends the answer when a call waits for approval', async () => {
    const end = await toolStep(
      [
        { id: 'c1', name: 'add', args: { a: 1, b: 1 }, argsJson: true },
        { id: 'c2', name: 'pay', args: {}, argsJson: true },
      ],
      context,
      () => undefined,
    );
    expect(end).toEqual({ next: 'end', results: [{ id: 'c1', name: 'add', result: 2 }], approvals: [{ id: 'c2', name: 'pay', args: {} }] });
  });
});
