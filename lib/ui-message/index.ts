export { UiChatRequestDto, UiMessageDto, uiPartProblem } from './ui-chat-request.dto.js';
export { uiMessagesToEngineMessages, lastUiUserMessage, uiToolApprovals, type UiMessageLike } from './ui-to-engine-messages.js';
export { uiChat, UiChat, type UiChatRequest } from './ui-chat.js';
export { toUiMessages, type StoredUiInfo } from './ui-messages-from-memory.js';
export { UiMessageAssembler, type UiMessage, type UiPart } from './ui-message-assembler.js';
