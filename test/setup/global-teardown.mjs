// jest globalTeardown: stops the servers global-setup.mjs started, if any.
import { tearDownServices } from './services.mjs';

export default tearDownServices;
