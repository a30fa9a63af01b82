// jest globalSetup: a reachable Redis and PostgreSQL for the run (see services.mjs).
import { setUpServices } from './services.mjs';

export default setUpServices;
