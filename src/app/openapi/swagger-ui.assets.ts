import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** The files of swagger-ui-dist the page loads, by the name they are served under. */
export const SWAGGER_UI_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;

export type SwaggerUiFile = keyof typeof SWAGGER_UI_FILES;

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  /** The same bytes gzip-compressed, for text assets (the bundle: 1.6 MB, 0.43 MB zipped). */
  readonly gzipped: Buffer | null;
}

/**
 * swagger-ui-dist as @nestjs/swagger ships it (its dependency, not ours: resolved from its
 * folder). SwaggerModule.setup would need @fastify/static on Fastify; these few files are
 * served by our own controller instead, the same on both platforms.
 */
function swaggerUiFolder(): string {
  const fromHere = createRequire(import.meta.url);
  const fromSwagger = createRequire(fromHere.resolve('@nestjs/swagger/package.json'));
  return path.dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
}

export function isSwaggerUiFile(name: string): name is SwaggerUiFile {
  return Object.prototype.hasOwnProperty.call(SWAGGER_UI_FILES, name);
}

/** Read (and compressed) once on first request, then served from memory. */
export class SwaggerUiAssets {
  private folder: string | null = null;
  private readonly loaded = new Map<SwaggerUiFile, Promise<Asset>>();

  get(name: SwaggerUiFile): Promise<Asset> {
    let asset = this.loaded.get(name);
    if (!asset) {
      asset = this.load(name);
      // A failed read is not remembered: the next request tries again.
      asset.catch(() => this.loaded.delete(name));
      this.loaded.set(name, asset);
    }
    return asset;
  }

  private async load(name: SwaggerUiFile): Promise<Asset> {
    this.folder ??= swaggerUiFolder();
    const type = SWAGGER_UI_FILES[name];
    const body = await readFile(path.join(this.folder, name));
    const gzipped = type.startsWith('text/') ? await gzipAsync(body) : null;
    return { type, body, gzipped };
  }
}
