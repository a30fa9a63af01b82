import { Injectable } from '@nestjs/common';
import { Tool } from '@bupple/nestjs-ai-engine';

/** Names of the sample's tools, as requests give them in `tools`. */
export const SAMPLE_TOOLS = ['add', 'now'] as const;
export type SampleToolName = (typeof SAMPLE_TOOLS)[number];

/** The sample's tools: ordinary Nest provider methods, found at boot by `@Tool()`. */
@Injectable()
export class SampleTools {
  @Tool({
    description: 'Adds two numbers and returns their sum.',
    parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'], additionalProperties: false },
  })
  add({ a, b }: { a: number; b: number }): { sum: number } {
    return { sum: a + b };
  }

  @Tool({ description: 'The current date and time (ISO 8601, UTC).', parameters: { type: 'object', properties: {}, additionalProperties: false } })
  now(): { iso: string } {
    return { iso: new Date().toISOString() };
  }
}
