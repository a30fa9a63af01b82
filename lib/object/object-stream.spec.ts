import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsEmail, IsIn, IsInt, IsOptional, IsString, Min, MinLength, ValidateNested } from 'class-validator';
import { firstValueFrom, lastValueFrom, Observable, toArray } from 'rxjs';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { OfflineDriver } from '../drivers/offline/offline.driver.js';
import { EngineService } from '../engine.service.js';
import { ObjectValidationException } from '../errors/object.exception.js';
import { ConnectionException } from '../errors/engine.exception.js';
import type { StructuredOutputMode } from '../interfaces/engine-call-options.interface.js';
import { jsonSchema, type ObjectStreamPart } from './object-options.interface.js';

class ContactDto {
  @IsString() @MinLength(1) name!: string;
  @IsOptional() @IsEmail() email?: string;
  @IsOptional() @IsString() phone?: string;
  @IsOptional() @IsString() company?: string;
  @IsArray() @IsString({ each: true }) tags!: string[];

  greeting(): string {
    return `Hello ${this.name}`;
  }
}

class ItemDto {
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
}

class OrderDto {
  @IsArray() @ValidateNested({ each: true }) @Type(() => ItemDto) items!: ItemDto[];
}

/** A driver that answers with scripted texts, one per request, in pieces, reporting a mode. */
class ScriptedDriver implements EngineDriver {
  readonly provider = 'scripted';
  readonly defaultModel = 'scripted-1';
  readonly requests: DriverRequest[] = [];
  constructor(
    readonly name: string,
    private readonly answers: (string[] | Error)[],
    private readonly mode: StructuredOutputMode | 'none' = 'json_schema',
  ) {}
  stream(request: DriverRequest): Observable<DriverStreamPart> {
    const answer = this.answers[Math.min(this.requests.length, this.answers.length - 1)];
    this.requests.push(request);
    return new Observable<DriverStreamPart>((subscriber) => {
      subscriber.next({ type: 'response-start', model: this.defaultModel, warnings: [], ...(this.mode !== 'none' && { structuredOutputMode: this.mode }) });
      if (answer instanceof Error) {
        subscriber.next({ type: 'text-delta', text: '{"na' });
        subscriber.error(answer);
        return;
      }
      for (const text of answer) subscriber.next({ type: 'text-delta', text });
      subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
      subscriber.complete();
    });
  }
}

function engineWith(...drivers: EngineDriver[]): EngineService {
  const map = new Map(drivers.map((driver) => [driver.name, driver]));
  return new EngineService({ engine: { drivers: Object.fromEntries(map), retry: { maxRetries: 1, initialDelayMs: 1, afterContent: 'restart' } } }, map);
}

const pieces = (text: string, size = 3) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, i * size + size));

describe('EngineService.object() / streamObject()', () => {
  it('sends the DTO as a JSON schema and returns a validated instance, the mode on the result', async () => {
    const driver = new ScriptedDriver('s', [pieces('{"name": "Ada", "email": "ada@example.com", "tags": ["math"]}')]);
    const result = await firstValueFrom(engineWith(driver).object([{ role: 'user', content: 'Ada, ada@example.com' }], { schema: ContactDto }));
    expect(result.object).toBeInstanceOf(ContactDto);
    expect(result.object.greeting()).toBe('Hello Ada');
    expect(result).toMatchObject({ mode: 'json_schema', warnings: [], engine: 's', finishReason: 'stop', repairs: 0 });
    const format = driver.requests[0].options.responseFormat!;
    expect(format).toMatchObject({ type: 'json', name: 'ContactDto' });
    expect(format.schema).toMatchObject({ type: 'object', required: ['name', 'tags'], additionalProperties: false });
  });

  it('streams growing partials, then the object', async () => {
    const text = '{"name": "Ada Lovelace", "tags": ["a", "b"]}';
    const parts = await lastValueFrom(
      engineWith(new ScriptedDriver('s', [pieces(text, 4)]))
        .streamObject([{ role: 'user', content: 'x' }], { schema: ContactDto })
        .pipe(toArray()),
    );
    const partials = parts.filter((p) => p.type === 'partial').map((p) => (p as { object: unknown }).object);
    expect(partials.length).toBeGreaterThan(3);
    expect(partials.length).toBeLessThanOrEqual(pieces(text, 4).length);
    expect(partials.slice(0, 2)).toEqual([{}, { name: 'Ad' }]);
    expect(partials).toContainEqual({ name: 'Ada Lovelace', tags: ['a'] });
    const last = parts[parts.length - 1] as ObjectStreamPart<ContactDto> & { type: 'object' };
    expect(last.type).toBe('object');
    expect(last.object).toBeInstanceOf(ContactDto);
  });

  it('array output: each element once complete and validated, then the array', async () => {
    const text = '{"elements": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 2}]}';
    const parts = await lastValueFrom(
      engineWith(new ScriptedDriver('s', [pieces(text, 5)]))
        .streamObject([{ role: 'user', content: 'x' }], { schema: ItemDto, output: 'array' })
        .pipe(toArray()),
    );
    const elements = parts.filter((p) => p.type === 'element');
    expect(elements.map((p) => p.type === 'element' && [p.index, p.element])).toEqual([
      [0, { sku: 'a', quantity: 1 }],
      [1, { sku: 'b', quantity: 2 }],
    ]);
    expect(elements.every((p) => p.type === 'element' && p.element instanceof ItemDto)).toBe(true);
    const last = parts[parts.length - 1];
    expect(last.type === 'object' && last.object.map((item) => item.sku)).toEqual(['a', 'b']);
  });

  it('enum output: classification from the wrapped result or a bare string', async () => {
    const engine = engineWith(new ScriptedDriver('s', [['{"result": "negative"}']]));
    const result = await firstValueFrom(engine.object([{ role: 'user', content: 'awful' }], { output: 'enum', enum: ['positive', 'negative'] as const }));
    const label: 'positive' | 'negative' = result.object;
    expect(label).toBe('negative');
  });

  it('a JSON Schema with a type parameter is validated by the schema, optional nulls left out', async () => {
    interface Point {
      x: number;
      label?: string;
    }
    const schema = jsonSchema<Point>({
      type: 'object',
      properties: { x: { type: 'integer' }, label: { type: 'string' } },
      required: ['x'],
      additionalProperties: false,
    });
    const ok = await firstValueFrom(engineWith(new ScriptedDriver('s', [['{"x": 3, "label": null}']])).object([{ role: 'user', content: 'x' }], { schema }));
    const x: number = ok.object.x;
    expect(x).toBe(3);
    expect(ok.object).toEqual({ x: 3 });
    const bad = engineWith(new ScriptedDriver('s', [['{"x": 1.5, "y": 1}']])).object([{ role: 'user', content: 'x' }], { schema });
    await expect(firstValueFrom(bad)).rejects.toMatchObject({
      code: 'object_validation',
      errors: [
        { path: 'x', message: 'must be integer, not number' },
        { path: 'y', message: 'is not an allowed property' },
      ],
    });
  });

  it('reads leniently: a fenced block with text around and a trailing comma', async () => {
    const text = 'Here you go:\n```json\n{"name": "Ada", "tags": ["x",],}\n```\nAnything else?';
    const result = await firstValueFrom(
      engineWith(new ScriptedDriver('s', [pieces(text)], 'prompt')).object([{ role: 'user', content: 'x' }], { schema: ContactDto }),
    );
    expect(result.object).toMatchObject({ name: 'Ada', tags: ['x'] });
    expect(result.mode).toBe('prompt');
    expect(result.warnings).toEqual([{ type: 'other', option: 'responseFormat', message: expect.stringContaining('"prompt" mode') }]);
  });

  it('fails with ObjectValidationException listing each path: message', async () => {
    const engine = engineWith(new ScriptedDriver('s', [['{"items": [{"sku": "a", "quantity": 0}, {"quantity": 2}]}']]));
    const error = (await firstValueFrom(engine.object([{ role: 'user', content: 'x' }], { schema: OrderDto })).catch(
      (e: unknown) => e,
    )) as ObjectValidationException;
    expect(error).toBeInstanceOf(ObjectValidationException);
    expect(error.errors).toEqual([
      { path: 'items[0].quantity', message: 'quantity must not be less than 1' },
      { path: 'items[1].sku', message: 'sku must be a string' },
    ]);
    expect(error.message).toContain('items[0].quantity: quantity must not be less than 1');
  });

  it('repair sends the errors back to the model once more; the stream resets', async () => {
    const driver = new ScriptedDriver('s', [['{"name": "", "tags": []}'], ['{"name": "Ada", "tags": []}']]);
    const parts = await lastValueFrom(
      engineWith(driver)
        .streamObject([{ role: 'user', content: 'x' }], { schema: ContactDto, repair: { attempts: 1 } })
        .pipe(toArray()),
    );
    expect(parts.map((p) => p.type).filter((t) => t !== 'partial')).toEqual(['reset', 'object']);
    const last = parts[parts.length - 1];
    expect(last.type === 'object' && [last.object.name, last.repairs]).toEqual(['Ada', 1]);
    const repair = driver.requests[1].messages;
    expect(repair.slice(-2)).toEqual([
      { role: 'assistant', content: '{"name": "", "tags": []}' },
      { role: 'user', content: expect.stringContaining('- name: name must be longer than or equal to 1 characters') },
    ]);
  });

  it('a retry after content restarts the partials with a reset; a fallback too', async () => {
    const flaky = new ScriptedDriver('a', [new ConnectionException('cut', { provider: 'scripted' }), ['{"name": "Bo", "tags": []}']]);
    const parts = await lastValueFrom(
      engineWith(flaky)
        .streamObject([{ role: 'user', content: 'x' }], { schema: ContactDto })
        .pipe(toArray()),
    );
    expect(parts.map((p) => p.type)).toEqual(['partial', 'reset', 'partial', 'object']);
    expect(parts[1]).toMatchObject({ type: 'reset', reason: 'retry' });

    const broken = new ScriptedDriver('a', [new ConnectionException('cut', { provider: 'scripted' })]);
    const backup = new ScriptedDriver('b', [['{"name": "Cy", "tags": []}']], 'none');
    const engine = engineWith(broken, backup);
    const result = await lastValueFrom(
      engine
        .streamObject([{ role: 'user', content: 'x' }], { schema: ContactDto, fallback: ['b'], retry: { maxRetries: 0, afterContent: 'restart' } })
        .pipe(toArray()),
    );
    expect(result.map((p) => p.type)).toContain('reset');
    const last = result[result.length - 1];
    expect(last.type === 'object' && [last.engine, last.object.name, last.mode]).toEqual(['b', 'Cy', undefined]);
    expect(last.type === 'object' && last.warnings[0].message).toContain('did not say how it honoured');
  });

  it('an answer that is not JSON, or cut off, is an object_validation error', async () => {
    const engine = engineWith(new ScriptedDriver('s', [['I cannot help with that.']]));
    await expect(firstValueFrom(engine.object([{ role: 'user', content: 'x' }], { schema: ContactDto }))).rejects.toMatchObject({
      code: 'object_validation',
      errors: [{ path: '', message: 'the answer is not JSON: the answer holds no JSON value' }],
    });
  });

  it('the offline engine answers from the text, deterministically, in the native mode', async () => {
    const offline = new OfflineDriver('offline', { tokenDelayMs: 0 });
    const engine = engineWith(offline);
    const text = 'Contact Ada Lovelace from Analytical Engines Ltd at ada@example.com or +44 20 7946 0958. #math #computing';
    const run = () => firstValueFrom(engine.object([{ role: 'user', content: text }], { schema: ContactDto }));
    const [a, b] = [await run(), await run()];
    expect(a.object).toEqual(b.object);
    expect(a.object).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20 7946 0958',
      company: 'Analytical Engines Ltd',
      tags: ['math', 'computing'],
    });
    expect(a.mode).toBe('native');
    expect(a.warnings).toEqual([]);
  });

  it('unsubscribing aborts the model call', async () => {
    const offline = new OfflineDriver('offline', { tokenDelayMs: 5 });
    const engine = engineWith(offline);
    const subscription = engine.streamObject([{ role: 'user', content: 'Ada Lovelace, ada@example.com' }], { schema: ContactDto }).subscribe();
    await new Promise((resolve) => setTimeout(resolve, 20));
    subscription.unsubscribe();
    expect(offline.lastRequest?.state).toBe('aborted');
  });

  it('a DTO the converter cannot express fails before any call, naming the property', () => {
    class Bad {
      @IsIn(['a']) @Min(1) odd!: string;
    }
    const driver = new ScriptedDriver('s', [['{}']]);
    expect(() =>
      engineWith(driver)
        .object([{ role: 'user', content: 'x' }], { schema: Bad })
        .subscribe({ error: () => undefined }),
    ).not.toThrow();
    return expect(firstValueFrom(engineWith(driver).object([{ role: 'user', content: 'x' }], { schema: Bad }))).rejects.toThrow(/Bad\.odd/);
  });
});
