// The provider transport and the shared error table (see provider-transport.ts for how a driver uses them).
export {
  createProviderTransport,
  readEventStream,
  expectEventStream,
  isEventStream,
  readBoundedText,
  mapProviderFailure,
  findProviderResponseError,
  ProviderResponseError,
  MAX_ERROR_BODY_BYTES,
  type ProviderTransport,
  type ProviderTransportOptions,
  type ProviderResponseProblem,
  type ProviderErrorBodyReader,
  type ReadEventStreamOptions,
} from './provider-transport.js';
export {
  exceptionFromFacts,
  networkException,
  networkErrorCode,
  streamLimitException,
  parseErrorBody,
  MAX_ERROR_DETAIL,
  type ProviderErrorContext,
  type ProviderErrorFacts,
} from './provider-errors.js';
export { createNodeHttpFetch, readResponseBody, NULL_BODY_STATUSES, type NodeHttpFetch } from './node-http-fetch.js';
