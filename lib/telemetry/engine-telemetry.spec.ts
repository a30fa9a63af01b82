import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { EngineTelemetry } from './engine-telemetry.js';

describe('EngineTelemetry.observing', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
  });

  it('is false with the API installed and no SDK registered: calls skip spans and attributes', async () => {
    const telemetry = await EngineTelemetry.load(undefined);
    expect(telemetry).toBeDefined();
    expect(telemetry!.observing).toBe(false);
  });

  it('turns true when a tracer provider registers after the module started, and false again when it goes', async () => {
    const telemetry = (await EngineTelemetry.load(undefined))!;
    const provider = new BasicTracerProvider();
    trace.setGlobalTracerProvider(provider);
    expect(telemetry.observing).toBe(true);
    trace.disable();
    expect(telemetry.observing).toBe(false);
    await provider.shutdown();
  });

  it('is true for every call when a meter provider was registered before the module started', async () => {
    const meterProvider = new MeterProvider();
    metrics.setGlobalMeterProvider(meterProvider);
    const telemetry = (await EngineTelemetry.load(undefined))!;
    expect(telemetry.observing).toBe(true);
    await meterProvider.shutdown();
  });

  it('is off with telemetry disabled', async () => {
    expect(await EngineTelemetry.load(false)).toBeUndefined();
  });
});
