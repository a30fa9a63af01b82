// @bupple/nestjs-ai-engine/integrations: the library beside other tools: a health indicator for
// @nestjs/terminus, @ApiSseResponse() for @nestjs/swagger, the AI SDK UI message protocol for
// useChat frontends, and the OpenTelemetry / onFinish option types.
export { EngineHealthIndicator } from '../health/engine-health.indicator.js';
export type { EngineHealthCheckOptions, EngineHealthResult, DependencyHealth } from '../health/engine-health.indicator.js';
export { ApiSseResponse } from '../openapi/api-sse-response.decorator.js';
export type { ApiSseResponseOptions } from '../openapi/api-sse-response.decorator.js';
export { SSE_EVENT_DATA_SCHEMAS } from '../openapi/sse-event-schemas.js';
export { UiChatRequestDto, UiMessageDto } from '../ui-message/ui-chat-request.dto.js';
export { uiMessagesToEngineMessages, lastUiUserMessage, uiToolApprovals, type UiMessageLike } from '../ui-message/ui-to-engine-messages.js';
export { uiChat, UiChat, toUiMessages, type UiChatRequest, type UiMessage, type UiPart } from '../ui-message/index.js';
export { UI_MESSAGE_STREAM_HEADER } from '../sse/ui-message-protocol.js';
export type { TelemetryOptions, EngineFinishInfo, EngineFinishHook } from '../telemetry/telemetry-options.interface.js';
