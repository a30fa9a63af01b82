// Defined with every other exception, in lib/errors/.
export { ReplayUnavailableException } from '../../errors/replay-unavailable.exception.js';
