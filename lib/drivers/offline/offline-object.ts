import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { JsonSchema } from '../../interfaces/tool.interface.js';

/**
 * The offline engine's structured answers: an object of the asked JSON Schema, filled in
 * deterministically from the last user message, so that structured output works with no
 * provider and no key. Property names guide it: `email`, `phone`, `name`, `company`, `tags`,
 * `url`; otherwise a property takes what its type finds in the text (the first number, an
 * enum value the text names, …). Optional properties it finds nothing for are left out.
 */
export function offlineObject(schema: JsonSchema | undefined, messages: EngineMessage[]): unknown {
  const text = lastUserText(messages);
  return valueFor(schema ?? { type: 'object' }, '', text, true) ?? {};
}

function lastUserText(messages: EngineMessage[]): string {
  const message = [...messages].reverse().find((m) => m.role === 'user');
  if (!message) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
const PHONE = /\+?\d[\d ().-]{6,}\d/;
const URL_PATTERN = /https?:\/\/[^\s"'<>]+/;
const COMPANY = /\b(?:at|from|with|for|of)\s+((?:[A-Z][\w&.'-]*)(?:\s+(?:[A-Z][\w&.'-]*|&))*)/;
const COMPANY_SUFFIX = /\b((?:[A-Z][\w&'-]*\s+)+(?:Inc|Ltd|LLC|GmbH|SA|AG|Corp|Co)\b\.?)/;
const NOT_NAMES = new Set([
  'Contact',
  'Please',
  'Hi',
  'Hello',
  'Dear',
  'Call',
  'Email',
  'Meet',
  'The',
  'This',
  'Our',
  'My',
  'Extract',
  'From',
  'Text',
  'Reach',
  'Write',
  'Thanks',
  'Regards',
]);

function company(text: string): string | undefined {
  return (COMPANY_SUFFIX.exec(text)?.[1] ?? COMPANY.exec(text)?.[1])?.trim();
}

function personName(text: string): string | undefined {
  const firm = company(text);
  const rest = firm ? text.replace(firm, ' ') : text;
  const words = [...rest.matchAll(/\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b/g)].filter((m) => !NOT_NAMES.has(m[0]));
  // the first run of capitalised words next to each other
  for (let i = 0; i < words.length; i++) {
    const run = [words[i]];
    while (i + 1 < words.length && rest.slice(run[run.length - 1].index! + run[run.length - 1][0].length, words[i + 1].index).trim() === '')
      run.push(words[++i]);
    if (run.length >= 2) return run.map((m) => m[0]).join(' ');
  }
  return words[0]?.[0];
}

function tags(text: string): string[] {
  const hashtags = [...text.matchAll(/#([\p{L}\d_-]+)/gu)].map((m) => m[1].toLowerCase());
  if (hashtags.length > 0) return [...new Set(hashtags)];
  const words = [...text.matchAll(/\b[a-z]{6,}\b/g)].map((m) => m[0]).filter((w) => !EMAIL.test(w));
  return [...new Set(words)].slice(0, 3);
}

function byName(name: string, text: string): unknown {
  const key = name.toLowerCase();
  if (key.includes('email')) return EMAIL.exec(text)?.[0];
  if (key.includes('phone') || key === 'tel' || key.includes('mobile')) return PHONE.exec(text)?.[0].trim();
  if (key.includes('url') || key.includes('website') || key === 'site') return URL_PATTERN.exec(text)?.[0];
  if (key.includes('company') || key.includes('organi') || key.includes('employer')) return company(text);
  if (key === 'name' || key.endsWith('name')) return personName(text);
  if (key.includes('tag') || key.includes('keyword') || key.includes('topic')) return tags(text);
  return undefined;
}

function typesOf(schema: JsonSchema): string[] {
  return Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
}

function valueFor(schema: JsonSchema, name: string, text: string, required: boolean): unknown {
  const types = typesOf(schema).filter((type) => type !== 'null');
  const enumValues = Array.isArray(schema.enum) ? (schema.enum as unknown[]) : undefined;
  if (enumValues) {
    const lower = text.toLowerCase();
    const named = enumValues.find((value) => typeof value === 'string' && lower.includes(value.toLowerCase()));
    return named ?? (required ? enumValues[0] : undefined);
  }
  if ('const' in schema) return schema.const;
  const type = types[0] ?? (schema.properties ? 'object' : Array.isArray(schema.anyOf) ? undefined : 'string');
  if (type === undefined) return valueFor((schema.anyOf as JsonSchema[])[0], name, text, required);
  const found = byName(name, text);
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const needed = new Set((schema.required as string[] | undefined) ?? []);
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(properties)) {
        const value = valueFor(property, key, text, needed.has(key));
        if (value !== undefined) out[key] = value;
        // strict schemas list optionals as required and nullable
        else if (needed.has(key) && typesOf(property).includes('null')) out[key] = null;
      }
      return out;
    }
    case 'array': {
      const items = (schema.items ?? { type: 'string' }) as JsonSchema;
      if (Array.isArray(found) && typesOf(items).includes('string')) return found.slice(0, typeof schema.maxItems === 'number' ? schema.maxItems : undefined);
      if (typesOf(items).includes('object') || items.properties) return [valueFor(items, '', text, true)];
      return required ? [] : undefined;
    }
    case 'string': {
      if (typeof found === 'string') return found;
      if (schema.format === 'email') return EMAIL.exec(text)?.[0] ?? (required ? 'offline@example.com' : undefined);
      if (schema.format === 'uri') return URL_PATTERN.exec(text)?.[0] ?? (required ? 'https://example.com' : undefined);
      if (!required) return undefined;
      const first = text.trim().split(/(?<=[.!?])\s/)[0] || 'offline';
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : 200;
      return first.slice(0, max).padEnd(typeof schema.minLength === 'number' ? schema.minLength : 0, '.');
    }
    case 'integer':
    case 'number': {
      const match = /-?\d+(?:\.\d+)?/.exec(text);
      if (!match && !required) return undefined;
      let value = match ? Number(match[0]) : 0;
      if (type === 'integer') value = Math.round(value);
      if (typeof schema.minimum === 'number') value = Math.max(value, schema.minimum);
      if (typeof schema.maximum === 'number') value = Math.min(value, schema.maximum);
      return value;
    }
    case 'boolean':
      return /\b(yes|true)\b/i.test(text);
    default:
      return required ? null : undefined;
  }
}

/** The answer text of a structured offline answer, in pieces of a few characters (so partials stream). */
export function objectChunks(value: unknown, size = 6): string[] {
  const text = JSON.stringify(value);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}
