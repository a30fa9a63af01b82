import { Controller, Get, Header, Inject, Logger, NotFoundException, Optional, Param, StreamableFile } from '@nestjs/common';
import { ENGINE_MODULE_OPTIONS, type BuppleEngineModuleOptions } from '@bupple/nestjs-ai-engine';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * Where the package's browser client was built (`dist/client`), found the way a user's app
 * would find it: through the package's `./client` export. Falls back to the path next to
 * the sample, for runners that do not provide `import.meta.resolve`.
 */
function clientDir(): string {
  try {
    if (typeof import.meta.resolve === 'function') {
      return fileURLToPath(new URL('./', import.meta.resolve('@bupple/nestjs-ai-engine/client')));
    }
  } catch {
    // not resolvable from here: use the repository layout
  }
  return fileURLToPath(new URL('../../dist/client/', import.meta.url));
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** A plain file name: no path separator, no `..`, no leading dot. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/**
 * The files of one directory that may be served, read once at startup. A request can only
 * name one of them: nothing outside the directory is reachable, whatever the URL holds.
 */
function loadFiles(dir: string, extensions: string[], logger: Logger): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    logger.warn(`${dir} is missing; run "npm run build" first`);
    return files;
  }
  for (const name of names) {
    if (FILE_NAME.test(name) && !name.includes('..') && extensions.some((ext) => name.endsWith(ext))) {
      files.set(name, readFileSync(join(dir, name)));
    }
  }
  return files;
}

/** No request leaves the machine: the page may load only its own scripts, styles and routes. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The keepalive interval of the SSE settings (default 15 s; 0 = none), so the page's client expects the same. */
function keepaliveMs(options: BuppleEngineModuleOptions | undefined): number {
  const value = options?.sse?.keepaliveMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 15_000;
}

/**
 * Serves the chat page at `/`, its stylesheet and script at `/assets/*`, and the package's
 * browser client (built ES modules, relative imports only) at `/client/*.js`.
 */
@Controller()
export class PageController {
  private readonly logger = new Logger('SamplePage');
  private readonly page: string;
  private readonly reactPage = readFileSync(join(publicDir, 'react.html'), 'utf8');
  private readonly assets = loadFiles(publicDir, ['.js', '.css'], this.logger);
  private readonly client = loadFiles(clientDir(), ['.js', '.js.map'], this.logger);

  constructor(@Optional() @Inject(ENGINE_MODULE_OPTIONS) options?: BuppleEngineModuleOptions) {
    this.page = readFileSync(join(publicDir, 'index.html'), 'utf8').replace('data-keepalive-ms="15000"', `data-keepalive-ms="${keepaliveMs(options)}"`);
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  @Header('X-Content-Type-Options', 'nosniff')
  index(): string {
    return this.page;
  }

  /** The same chat with `useChat` from `@ai-sdk/react` (bundled at build time into /assets/react.js), on `POST /api/chat`. */
  @Get('react')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  @Header('X-Content-Type-Options', 'nosniff')
  react(): string {
    return this.reactPage;
  }

  @Get('assets/:file')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  asset(@Param('file') file: string): StreamableFile {
    return this.serve(this.assets, file);
  }

  @Get('client/:file')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  clientModule(@Param('file') file: string): StreamableFile {
    return this.serve(this.client, file);
  }

  private serve(files: Map<string, Buffer>, name: string): StreamableFile {
    const body = FILE_NAME.test(name) ? files.get(name) : undefined;
    if (!body) throw new NotFoundException();
    return new StreamableFile(body, {
      type: CONTENT_TYPES[name.endsWith('.js.map') ? '.map' : extname(name)],
      length: body.length,
    });
  }
}
