import { ArrayMaxSize, IsArray, IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { Describe } from '@bupple/nestjs-ai-engine/schema';

/** What POST /extract and /extract/stream take. */
export class ExtractRequestDto {
  @IsString() @IsNotEmpty() @MaxLength(20_000) text!: string;
  @IsOptional() @IsString() @MaxLength(100) engine?: string;
}

/** The contact the model extracts from the text (also the JSON Schema it is asked for). */
@Describe('A contact found in the text')
export class ContactDto {
  @Describe("The person's full name, as written") @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @Describe('Their email address') @IsOptional() @IsEmail() email?: string;
  @Describe('Their phone number, as written') @IsOptional() @IsString() @MaxLength(50) phone?: string;
  @Describe('The company or organisation they work for') @IsOptional() @IsString() @MaxLength(200) company?: string;
  @Describe('A few lowercase keywords about them') @IsArray() @IsString({ each: true }) @MaxLength(50, { each: true }) @ArrayMaxSize(10) tags!: string[];
}
