import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { EngineHealthIndicator } from '@bupple/nestjs-ai-engine/integrations';

/** `GET /health`: 200 `{ status: 'ok', … }` while the memory store and the replay store answer, 503 otherwise. */
@Controller('health')
// probes are not counted against the request rate limit
@SkipThrottle()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly engineHealth: EngineHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.engineHealth.isHealthy('engine')]);
  }
}
