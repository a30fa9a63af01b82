import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/** The part types a UI message may carry (`tool-<name>` and `data-<name>` by prefix). */
const PART_TYPES = new Set(['text', 'reasoning', 'file', 'source-url', 'source-document', 'step-start', 'dynamic-tool']);

/** Why a part is not a UI message part, or undefined when it is one. */
export function uiPartProblem(part: unknown): string | undefined {
  if (typeof part !== 'object' || part === null || Array.isArray(part)) return 'must be an object { type, … }';
  const p = part as Record<string, unknown>;
  if (typeof p.type !== 'string') return 'type must be a string';
  const type = p.type;
  if (!PART_TYPES.has(type) && !type.startsWith('tool-') && !type.startsWith('data-')) return `type "${type.slice(0, 40)}" is not a UI message part type`;
  if ((type === 'text' || type === 'reasoning') && typeof p.text !== 'string') return `a ${type} part needs text (a string)`;
  if (type === 'file' && (typeof p.url !== 'string' || typeof p.mediaType !== 'string')) return 'a file part needs url and mediaType (strings)';
  if ((type.startsWith('tool-') || type === 'dynamic-tool') && (typeof p.toolCallId !== 'string' || typeof p.state !== 'string'))
    return 'a tool part needs toolCallId and state (strings)';
  return undefined;
}

function IsUiParts(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUiParts',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every((part) => uiPartProblem(part) === undefined),
        defaultMessage: (args) => {
          const parts = args?.value;
          if (!Array.isArray(parts)) return 'parts must be an array';
          const index = parts.findIndex((part) => uiPartProblem(part) !== undefined);
          return `parts[${index}]: ${uiPartProblem(parts[index])}`;
        },
      },
    },
    options,
  );
}

/** One `UIMessage` as `useChat` sends it: `{ id, role, parts, metadata? }`. */
export class UiMessageDto {
  @IsString({ message: 'id must be a string' }) @Length(1, 200, { message: 'id must be 1–200 characters' }) id!: string;
  @IsIn(['system', 'user', 'assistant'], { message: 'role must be one of system, user, assistant' }) role!: 'system' | 'user' | 'assistant';
  @IsArray({ message: 'parts must be an array' }) @ArrayMaxSize(500, { message: 'parts must hold at most 500 parts' }) @IsUiParts() parts!: (Record<
    string,
    unknown
  > & {
    type: string;
  })[];
  @IsOptional() @IsObject({ message: 'metadata must be an object' }) metadata?: Record<string, unknown>;
}

/**
 * The body `useChat`'s `DefaultChatTransport` posts: `{ id, messages, trigger, messageId? }`.
 * Extend it for the extra fields your frontend sends in `body`.
 */
export class UiChatRequestDto {
  /** The chat's id. */
  @IsString({ message: 'id must be a string' }) @Length(1, 200, { message: 'id must be 1–200 characters' }) id!: string;
  @IsArray({ message: 'messages must be an array' })
  @ArrayMinSize(1, { message: 'messages must not be empty' })
  @ArrayMaxSize(1000, { message: 'messages must hold at most 1000 messages' })
  @ValidateNested({ each: true })
  @Type(() => UiMessageDto)
  messages!: UiMessageDto[];
  @IsIn(['submit-message', 'regenerate-message'], { message: 'trigger must be submit-message or regenerate-message' }) trigger!:
    'submit-message' | 'regenerate-message';
  @IsOptional() @IsString({ message: 'messageId must be a string' }) messageId?: string;
}
