import type { Response } from 'supertest';

/**
 * A little of an OpenAPI 3.1 checker, enough for this API's documents: JSON pointers,
 * references and the JSON Schema keywords the document uses (no validator package needed).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `#/a/b~1c` in `doc`, or undefined. */
export function pointer(doc: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: Json | undefined = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
  }
  return node;
}

/** Every `$ref` string anywhere in the document. */
export function refsOf(node: Json, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => refsOf(item, found));
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsOf(value, found);
    }
  }
  return found;
}

/** Follows `$ref` until an object without one. */
export function deref(doc: JsonObject, node: Json | undefined): JsonObject | undefined {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string' && hops < 10; hops++) {
    current = pointer(doc, current.$ref);
  }
  return isObject(current) ? current : undefined;
}

export interface Operation {
  path: string;
  method: string;
  operation: JsonObject;
}

export function operationsOf(doc: JsonObject): Operation[] {
  const paths = doc.paths as JsonObject;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item as JsonObject)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as JsonObject })),
  );
}

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Where `value` breaks `schema` (empty when it conforms). */
export function violations(
  doc: JsonObject,
  schema: Json | undefined,
  value: Json,
  at = '$',
): string[] {
  const s = deref(doc, schema);
  if (!s) return [`${at}: unresolvable schema`];
  const problems: string[] = [];
  for (const part of (s.allOf as Json[] | undefined) ?? []) {
    problems.push(...violations(doc, part, value, at));
  }
  if (s.type !== undefined) {
    const allowed = [s.type].flat() as string[];
    const actual = typeOf(value);
    const ok = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'));
    if (!ok) return [...problems, `${at}: ${actual} is not ${allowed.join('|')}`];
  }
  if (
    Array.isArray(s.enum) &&
    !s.enum.some((item) => JSON.stringify(item) === JSON.stringify(value))
  ) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  if (isObject(value)) {
    for (const name of (s.required as string[] | undefined) ?? []) {
      if (!(name in value)) problems.push(`${at}.${name}: missing`);
    }
    const properties = (s.properties as JsonObject | undefined) ?? {};
    for (const [name, item] of Object.entries(value)) {
      const own = properties[name];
      if (own !== undefined) problems.push(...violations(doc, own, item, `${at}.${name}`));
      else if (isObject(s.additionalProperties)) {
        problems.push(...violations(doc, s.additionalProperties, item, `${at}.${name}`));
      }
    }
  }
  if (Array.isArray(value) && s.items !== undefined) {
    value.forEach((item, i) => problems.push(...violations(doc, s.items, item, `${at}[${i}]`)));
  }
  return problems;
}

/**
 * The documented response of `method path` for the status `res` has, and where the real
 * answer differs from it: an undocumented status, a content type not listed, a body that
 * breaks the schema, a documented Location missing.
 */
export function mismatches(doc: JsonObject, method: string, path: string, res: Response): string[] {
  const operation = pointer(doc, `#/paths/${path.replace(/\//g, '~1')}/${method}`);
  if (!isObject(operation)) return [`${method} ${path} is not documented`];
  const responses = operation.responses as JsonObject;
  const documented = deref(doc, responses[String(res.status)] ?? responses.default);
  if (!documented) return [`${res.status} is not documented for ${method} ${path}`];
  const problems: string[] = [];
  const headers = (documented.headers as JsonObject | undefined) ?? {};
  if ('Location' in headers && !res.headers.location) problems.push('no Location header');
  const content = (documented.content as JsonObject | undefined) ?? {};
  const type = String(res.headers['content-type'] ?? '').split(';')[0];
  if (Object.keys(content).length === 0) return problems;
  const media = content[type] ?? content['*/*'];
  if (!isObject(media))
    return [...problems, `${type} is not among ${Object.keys(content).join(', ')}`];
  if (type === 'application/json') {
    problems.push(...violations(doc, media.schema, res.body as Json));
  }
  return problems;
}
