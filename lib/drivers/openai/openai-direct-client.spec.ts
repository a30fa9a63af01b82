import { ValidationException } from '../../errors/engine.exception.js';
import { chatCompletionsUrl, OPENAI_BASE_URL } from './openai-direct-client.js';
import { createOpenAIDriver } from './openai.driver.js';

describe('chatCompletionsUrl', () => {
  it('joins baseURL and /chat/completions with one slash, as the SDK does', () => {
    expect(chatCompletionsUrl(undefined).href).toBe(`${OPENAI_BASE_URL}/chat/completions`);
    expect(chatCompletionsUrl('').href).toBe('https://api.openai.com/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:11434/v1').href).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:11434/v1/').href).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(chatCompletionsUrl('https://gateway.example/openai/v1').href).toBe('https://gateway.example/openai/v1/chat/completions');
  });

  it('fails at once on a baseURL that is no URL', () => {
    expect(() => chatCompletionsUrl('not a url')).toThrow('Invalid URL');
  });
});

describe('createOpenAIDriver', () => {
  it('fails at startup with a ValidationException naming the engine on a baseURL that is no URL (a caller that skipped the options’ validation), naming no key', async () => {
    const key = 'sk-direct-client-secret';
    const error = await createOpenAIDriver('openai', { apiKey: key, baseURL: `not a url` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).message).toBe('Invalid BuppleEngineModule options:\n  - engine.openai: Invalid URL');
    expect(JSON.stringify(error)).not.toContain(key);
  });
});
