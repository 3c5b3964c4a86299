import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The pages' scripts, served by PageAssetsController from `./client/` (plain browser
 * JavaScript, no build step; `npm run build` copies them into dist with `allowJs`). Read once
 * at module load: the files are part of the release, not of the configuration.
 */
export interface PageAsset {
  readonly name: string;
  readonly body: string;
  readonly contentType: string;
  /** First 16 hex digits of the SHA-256: the `?v=` cache key of the URL. */
  readonly version: string;
  /** Subresource Integrity of the body (`sha384-…`). */
  readonly integrity: string;
}

/** Relative to the server URL's path. */
export const ASSETS_PATH = '/auth/assets';
export type AssetName = 'login-page.js' | 'admin-page.js';
const NAMES: readonly AssetName[] = ['login-page.js', 'admin-page.js'];

function load(name: AssetName): PageAsset {
  const raw = readFileSync(new URL(`./client/${name}`, import.meta.url), 'utf8');
  // The compiled copy in dist ends with a source-map comment for a map that is not served.
  const body = raw.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  return {
    name,
    body,
    contentType: 'text/javascript; charset=utf-8',
    version: createHash('sha256').update(body).digest('hex').slice(0, 16),
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
  };
}

const ASSETS: ReadonlyMap<string, PageAsset> = new Map(NAMES.map((name) => [name, load(name)]));

export function pageAsset(name: string): PageAsset | undefined {
  return ASSETS.get(name);
}

/**
 * What a page needs to load one of the scripts: a versioned, same-origin URL under the server
 * URL's path (`serverPath`) and its SRI.
 */
export function scriptRef(name: AssetName, serverPath: string): { src: string; integrity: string } {
  const asset = ASSETS.get(name)!;
  return {
    src: `${serverPath}${ASSETS_PATH}/${name}?v=${asset.version}`,
    integrity: asset.integrity,
  };
}
