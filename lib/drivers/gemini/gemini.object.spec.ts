import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsEmail, IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { lastValueFrom } from 'rxjs';
import { FakeProviderServer, startEventStream, writeSplit } from '../../../test/utils/fake-provider-server.js';
import { EngineService } from '../../engine.service.js';
import { createGeminiDriver, type GeminiDriver } from './gemini.driver.js';

enum Kind {
  Person = 'person',
  Company = 'company',
}

class AddressDto {
  @IsString() city!: string;
}

class ContactDto {
  @IsString() @MaxLength(80) name!: string;
  @IsOptional() @IsEmail() email?: string;
  @IsEnum(Kind) kind!: Kind;
  @IsInt() @Min(0) @Max(150) age!: number;
  @IsArray() @IsString({ each: true }) @ArrayMaxSize(5) tags!: string[];
  @IsOptional() @ValidateNested() @Type(() => AddressDto) address?: AddressDto;
}

/**
 * Structured output end to end: `EngineService.object()` with a class-validator DTO, the Gemini
 * driver sending the converted schema as `responseSchema`, the JSON answer streamed in pieces.
 */
describe('EngineService.object() on the Gemini engine, against a local Gemini API', () => {
  const server = new FakeProviderServer();
  let driver: GeminiDriver;
  let engine: EngineService;

  beforeAll(async () => {
    await server.start();
    driver = await createGeminiDriver('gemini', { apiKey: 'AIzaSyOBJECTnotAkey_0123456789abcdef', baseURL: server.url, model: 'gemini-2.5-flash' });
    engine = new EngineService({ engine: { drivers: { gemini: driver }, retry: { maxRetries: 0 } } }, new Map([['gemini', driver]]));
  });
  afterAll(async () => {
    driver.close();
    await server.stop();
  });

  it('sends the DTO as responseSchema (Gemini’s subset), and returns a validated instance, mode native', async () => {
    const json =
      '{"name": "Ada Lovelace", "email": "ada@example.com", "kind": "person", "age": 36, "tags": ["math", "engines"], "address": {"city": "London"}}';
    const pieces = json.match(/.{1,9}/gs)!;
    server.respond(async (_req, res) => {
      startEventStream(res);
      const frames = pieces.map((text, i) =>
        JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(i === pieces.length - 1 && { finishReason: 'STOP' }) }] }),
      );
      await writeSplit(res, frames.map((f) => `data: ${f}\r\n\r\n`).join(''), 5, 0);
      res.end();
    });
    const result = await lastValueFrom(
      engine.object([{ role: 'user', content: 'Ada Lovelace, 36, ada@example.com, London. Tags: math, engines.' }], { engine: 'gemini', schema: ContactDto }),
    );
    expect(result.object).toBeInstanceOf(ContactDto);
    expect(result.object.address).toBeInstanceOf(AddressDto);
    expect(result.object).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      kind: 'person',
      age: 36,
      tags: ['math', 'engines'],
      address: { city: 'London' },
    });
    expect(result.mode).toBe('native');
    expect(result.warnings).toEqual([]);

    const config = server.lastRequest.body.generationConfig;
    expect(config.responseMimeType).toBe('application/json');
    const schema = config.responseSchema;
    expect(schema).toMatchObject({
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 80 },
        kind: { type: 'string', enum: ['person', 'company'] },
        age: { type: 'integer', minimum: 0, maximum: 150 },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
        address: { type: 'object', properties: { city: { type: 'string' } } },
      },
    });
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'kind', 'age', 'tags']));
    expect(schema.required).not.toContain('email');
    // nothing Gemini's Schema lacks is sent
    expect(JSON.stringify(schema)).not.toMatch(/"\$schema"|additionalProperties|"\$ref"|"\$defs"/);
  });
});
