import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { BuppleEngineModule, EngineConfigurationException, EngineService, MemoryService, type BuppleEngineModuleOptions } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';

const hello = [{ role: 'user' as const, content: 'hello' }];

@Injectable()
class ConfigService {
  readonly tokenDelayMs = 0;
}

@Module({ providers: [ConfigService], exports: [ConfigService] })
class ConfigModule {}

@Injectable()
class OptionsFactory {
  createEngineOptions(): BuppleEngineModuleOptions {
    return { engine: { drivers: { factory: new OfflineDriver('factory', { tokenDelayMs: 0, chunks: ['from class'] }) } } };
  }
}

@Injectable()
class Consumer {
  constructor(readonly engine: EngineService) {}
}

@Module({ providers: [Consumer] })
class FeatureModule {}

describe('BuppleEngineModule', () => {
  it('forRoot() registers an injectable EngineService', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot({ engine: { offline: { tokenDelayMs: 0 } } })] }).compile();
    const engine = moduleRef.get(EngineService);
    expect(engine.defaultEngine).toBe('offline');
    await expect(firstValueFrom(engine.send(hello))).resolves.toMatchObject({ role: 'assistant', engine: 'offline', finishReason: 'stop' });
    await moduleRef.close();
  });

  it('forRootAsync() with imports, inject and useFactory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        BuppleEngineModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ engine: { offline: { tokenDelayMs: config.tokenDelayMs, chunks: ['async'] } } }),
        }),
      ],
    }).compile();
    await expect(firstValueFrom(moduleRef.get(EngineService).send(hello))).resolves.toMatchObject({ content: 'async' });
    await moduleRef.close();
  });

  it('forRootAsync() with useClass', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRootAsync({ useClass: OptionsFactory })] }).compile();
    await expect(firstValueFrom(moduleRef.get(EngineService).send(hello))).resolves.toMatchObject({ content: 'from class', engine: 'factory' });
    await moduleRef.close();
  });

  it('isGlobal makes EngineService injectable in modules that do not import it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ engine: { offline: true }, isGlobal: true }), FeatureModule],
    }).compile();
    expect(moduleRef.get(Consumer).engine).toBeInstanceOf(EngineService);
    await moduleRef.close();
  });

  it('without isGlobal, a module that does not import it cannot inject EngineService', async () => {
    await expect(Test.createTestingModule({ imports: [BuppleEngineModule.forRoot({ engine: { offline: true } }), FeatureModule] }).compile()).rejects.toThrow(
      /EngineService/,
    );
  });

  it('stops the app from booting on bad options, naming each option and never the key', async () => {
    const key = 'sk-live-should-never-be-printed-123456';
    const boot = Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ engine: { default: 'claude', openai: { apiKey: key, temperature: 7 } } })],
    }).compile();
    const error = await boot.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineConfigurationException);
    const message = (error as Error).message;
    expect(message).toContain('engine.openai.temperature: must be a number from 0 to 2');
    expect(message).toContain('engine.default: "claude" is not a configured engine; use one of openai');
    expect(message).not.toContain(key);
  });

  it('exports MemoryService, and validates memory options at boot', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot({ engine: { offline: true } })] }).compile();
    const conversation = moduleRef.get(MemoryService).conversation('chat', 'module-spec');
    await conversation.addUserMessage('hello');
    expect((await conversation.getMessages()).map((m) => m.content)).toEqual(['hello']);
    await moduleRef.close();
    const boot = Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ engine: { offline: true }, memory: { driver: 'floppy' as never } })],
    }).compile();
    await expect(boot).rejects.toThrow(/memory\.driver/);
  });

  it('stops the app from booting when forRootAsync() resolves bad options', async () => {
    const boot = Test.createTestingModule({
      imports: [BuppleEngineModule.forRootAsync({ useFactory: async () => ({ engine: { openai: { apiKey: '' } } }) })],
    }).compile();
    await expect(boot).rejects.toThrow(/engine\.openai\.apiKey: is required.*process\.env\.OPENAI_API_KEY/);
  });
});
