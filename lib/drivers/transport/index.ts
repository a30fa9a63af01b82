// The provider transport and the shared error table (see provider-transport.ts for how a driver uses them).
export {
  createProviderTransport,
  transportOptionsOf,
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
export {
  createNodeHttpFetch,
  readResponseBody,
  NULL_BODY_STATUSES,
  type NodeHttpFetch,
  type NodeHttpFetchOptions,
  type NodeHttpTimeout,
} from './node-http-fetch.js';
export {
  createProxyPlan,
  parseNoProxy,
  proxyUrlProblem,
  proxyEnvProblems,
  TunnelAgent,
  type ProxyEndpoint,
  type ProxyPlan,
  type ProxySetting,
} from './proxy.js';
export { nodeUtf8Decoder } from './node-utf8-decoder.js';
