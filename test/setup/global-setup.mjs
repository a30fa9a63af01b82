// jest globalSetup: a reachable Redis and PostgreSQL for the run (see services.mjs), and
// @nestjs/throttler as an ES module (see esm-throttler.mjs).
import { bundleThrottlerAsEsm } from './esm-throttler.mjs';
import { setUpServices } from './services.mjs';

export default async function globalSetup() {
  await bundleThrottlerAsEsm();
  await setUpServices();
}
