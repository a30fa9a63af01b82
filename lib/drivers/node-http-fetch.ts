// Moved to lib/drivers/transport/ (the one provider transport).
export { createNodeHttpFetch, readResponseBody, NULL_BODY_STATUSES, type NodeHttpFetch } from './transport/node-http-fetch.js';
