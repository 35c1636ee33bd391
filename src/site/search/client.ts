/**
 * The browser's search script (src/site/static/search.js) run by Node, in a vm context of its own: the
 * builder takes its native folding from it (so that the folding map it ships is exactly what the browser
 * lacks), and the tests and the benchmark query an index on disk with the very code the browser runs,
 * counting the files and bytes a query loads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const SCRIPT = fileURLToPath(new URL('../static/search.js', import.meta.url));

/** What search.js puts on the global object (typed as far as Node uses it). */
export interface ClientApi {
  QueryError: new (message: string) => Error;
  nativeFold(ch: string): string;
  foldText(text: string, map: Map<string, string>): string;
  parseQuery(query: string, map: Map<string, string>): { raw: string; phrase: boolean; tokens: string[] }[];
  hash(s: string): number;
  shardOf(token: string, bits: number): number;
  createEngine(load: (id: string) => Promise<unknown>): ClientEngine;
}

export interface ClientHit {
  url: string;
  title: string;
  sourceName: string;
  published: number;
  excerpt: string;
  score: number;
}

export interface ClientResult {
  tokens: string[];
  total: number;
  page(from: number, count: number): Promise<ClientHit[]>;
}

export interface ClientEngine {
  search(query: string): Promise<ClientResult>;
}

interface Context {
  NewsvaultSearch?: ClientApi;
  __nvSearch?: (id: string, data: unknown) => void;
}

function newContext(): { ctx: Context & vm.Context; api: ClientApi } {
  const ctx = vm.createContext({ atob }) as Context & vm.Context;
  vm.runInContext(readFileSync(SCRIPT, 'utf8'), ctx, { filename: SCRIPT });
  if (!ctx.NewsvaultSearch) throw new Error('search.js did not define NewsvaultSearch');
  return { ctx, api: ctx.NewsvaultSearch };
}

let shared: ClientApi | null = null;
/** The script's functions (one context, reused). */
export function clientApi(): ClientApi {
  shared ??= newContext().api;
  return shared;
}

/** A search engine over the index in `<siteDir>/search/`, reading its files as the browser would (each one
 *  run as a script that calls __nvSearch), and the list of files it read. */
export function engineOn(siteDir: string): { engine: ClientEngine; files: string[]; bytes: () => number } {
  const { ctx, api } = newContext();
  const files: string[] = [];
  let bytes = 0;
  const cache = new Map<string, unknown>();
  const load = (id: string): Promise<unknown> => {
    if (cache.has(id)) return Promise.resolve(cache.get(id));
    const file = path.join(siteDir, 'search', `${id}.js`);
    let code: Buffer;
    try {
      code = readFileSync(file);
    } catch (err) {
      return Promise.reject(new Error(`cannot load search/${id}.js: ${(err as Error).message}`));
    }
    files.push(`search/${id}.js`);
    bytes += code.length;
    let data: unknown;
    let called = false;
    ctx.__nvSearch = (got: string, d: unknown) => {
      if (got === id) {
        data = d;
        called = true;
      }
    };
    vm.runInContext(code.toString('utf8'), ctx, { filename: file });
    if (!called) return Promise.reject(new Error(`no index data in search/${id}.js`));
    cache.set(id, data);
    return Promise.resolve(data);
  };
  return { engine: api.createEngine(load), files, bytes: () => bytes };
}
