import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

import { SAMPLE_TOOLS } from './sample-tools.js';

export const MAX_MESSAGE_LENGTH = 32_000;

/** `options.reasoning`: opt-in reasoning. */
export class ReasoningOptionsDto {
  @IsOptional() @IsIn(['low', 'medium', 'high']) effort?: 'low' | 'medium' | 'high';
  @IsOptional() @IsInt() @Min(1024) @Max(64_000) budgetTokens?: number;
}

export class ChatMessageDto {
  @IsIn(['system', 'user', 'assistant'])
  role!: 'system' | 'user' | 'assistant';

  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_MESSAGE_LENGTH)
  content!: string;
}

export class ChatOptionsDto {
  @IsOptional() @IsString() @MaxLength(200) model?: string;
  @IsOptional() @IsNumber() @Min(0) @Max(2) temperature?: number;
  @IsOptional() @IsInt() @Min(1) @Max(128_000) maxTokens?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) topP?: number;
  @IsOptional() @IsString({ each: true }) @ArrayMaxSize(4) @MaxLength(100, { each: true }) stop?: string[];
  @IsOptional() @IsNumber() @Min(-2) @Max(2) presencePenalty?: number;
  @IsOptional() @IsNumber() @Min(-2) @Max(2) frequencyPenalty?: number;
  @IsOptional() @IsString() @MaxLength(200) user?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReasoningOptionsDto) reasoning?: ReasoningOptionsDto;
}

/** Body of `POST /chat` and `POST /chat/stream`. */
export class ChatRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages!: ChatMessageDto[];

  @IsOptional() @IsString() @MaxLength(100) engine?: string;

  @IsOptional() @IsObject() @ValidateNested() @Type(() => ChatOptionsDto) options?: ChatOptionsDto;

  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,100}$/, { message: 'conversationId must be 1–100 letters, digits, _ or -' }) conversationId?: string;

  /** Names of sample tools the model may call (`add`, `now`). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SAMPLE_TOOLS.length)
  @IsIn(SAMPLE_TOOLS, { each: true, message: `each value in tools must be one of: ${SAMPLE_TOOLS.join(', ')}` })
  tools?: string[];

  /** Model calls per answer (1–8); default 5 when tools are given. */
  @IsOptional() @IsInt() @Min(1) @Max(8) maxSteps?: number;
}

/** Query of `GET /chat/stream`. */
export class ChatStreamQueryDto {
  @IsString() @IsNotEmpty() @MaxLength(MAX_MESSAGE_LENGTH) message!: string;
  @IsOptional() @IsString() @MaxLength(100) engine?: string;
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,100}$/, { message: 'conversationId must be 1–100 letters, digits, _ or -' }) conversationId?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(128_000) maxTokens?: number;
}

/** Route parameter of the conversation routes. */
export class ConversationIdDto {
  @Matches(/^[A-Za-z0-9_-]{1,100}$/, { message: 'id must be 1–100 letters, digits, _ or -' }) id!: string;
}
