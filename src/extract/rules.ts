/**
 * Site rules: plain-text files in the style of FiveFilters' site configs (github.com/fivefilters/ftr-site-config),
 * one per host, named `<host>.txt`, with CSS selectors where FiveFilters uses XPath:
 *
 *     # 法广 RFI
 *     body: article .t-content__chapo, article .t-content__body
 *     title: h1.t-content__title
 *     author: .m-from-author__name
 *     date: .t-content__dates time[datetime]
 *     strip: .m-interstitial
 *     strip_id_or_class: o-self-promo
 *     test_url: https://www.rfi.fr/cn/…
 *     test_contains: 第一段的几个字
 *
 * A file applies to its host and every subdomain ("rfi.fr" covers www.rfi.fr); `host:` lines add more
 * hosts; the most specific host wins. Unknown directives (FiveFilters has many: tidy, http_header, …) are
 * ignored with a warning, and so are XPath expressions and selectors that do not parse, so a broken line
 * never breaks extraction. The full format is in docs/extraction.md.
 */
import { readFileSync, readdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isValidSelector } from './dom.ts';
import type { SiteRule } from './types.ts';

/** The rule files shipped with Newsvault. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL('./rules/', import.meta.url));

export interface ParsedRule {
  rule: SiteRule;
  warnings: string[];
}

export interface LoadedRules {
  rules: SiteRule[];
  warnings: string[];
}

const SELECTOR_KEYS = {
  body: 'body',
  title: 'title',
  author: 'author',
  date: 'date',
  image: 'image',
  strip: 'strip',
  single_page_link: 'singlePageLink',
} as const;

const IGNORED_KEYS = new Set([
  // FiveFilters directives with no meaning here (fetching, tidying, multi-page, native ads, …)
  'tidy', 'parser', 'convert_double_br_tags', 'autodetect_on_failure', 'skip_json_ld', 'skip_id_or_class',
  'dissolve', 'native_ad_clue', 'next_page_link', 'find_string', 'replace_string', 'http_header', 'login_uri',
  'login_username_field', 'login_password_field', 'not_logged_in_xpath', 'login_extra_fields', 'src_lazy_load_attr',
  'strip_attr', 'wrap_in', 'insert_detected_image', 'if_page_contains', 'move_into', 'strip_comments',
]);

/** The host a rule file name stands for: `www.rfi.fr.txt` → "rfi.fr", `.bbc.com.txt` → "bbc.com". */
export function hostOfRuleFile(fileName: string): string | null {
  const base = path.basename(fileName).replace(/\.txt$/i, '').replace(/^\./, '').toLowerCase();
  const host = normaliseHost(base);
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) ? host : null;
}

function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '').replace(/^www\./, '');
}

/** Parses one rule file. `fileName` gives the rule its host; `source` names it in messages. */
export function parseRules(text: string, fileName: string, source = fileName): ParsedRule {
  const warnings: string[] = [];
  const host = hostOfRuleFile(fileName);
  if (!host) warnings.push(`${source}: the file name does not name a host (expected e.g. example.com.txt)`);
  const rule: SiteRule = {
    name: host ?? path.basename(fileName),
    hosts: host ? [host] : [],
    source,
    body: [],
    title: [],
    author: [],
    date: [],
    image: [],
    strip: [],
    stripIdOrClass: [],
    stripImageSrc: [],
    lazyImageAttrs: [],
    singlePageLink: [],
    prune: false,
    tests: [],
  };
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source}:${index + 1}`;
    const m = /^([a-z_]+)(?:\([^)]*\))?\s*:\s*(.*)$/i.exec(line);
    if (!m) {
      warnings.push(`${where}: not a "directive: value" line; ignored`);
      return;
    }
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (Object.hasOwn(SELECTOR_KEYS, key)) {
      if (value === '') return;
      if (/^(\/|\(|\.\/|substring|concat|normalize-space)/.test(value)) {
        warnings.push(`${where}: ${key}: looks like XPath, which is not supported here (use a CSS selector); ignored`);
        return;
      }
      if (!isValidSelector(value)) {
        warnings.push(`${where}: ${key}: "${value}" is not a valid CSS selector; ignored`);
        return;
      }
      rule[SELECTOR_KEYS[key as keyof typeof SELECTOR_KEYS]].push(value);
      return;
    }
    switch (key) {
      case 'strip_id_or_class':
        if (value) rule.stripIdOrClass.push(unquote(value));
        return;
      case 'strip_image_src':
        if (value) rule.stripImageSrc.push(unquote(value));
        return;
      case 'lazy_image_attr':
        if (/^[a-z][a-z0-9_:.-]*$/i.test(value)) rule.lazyImageAttrs.push(value.toLowerCase());
        else warnings.push(`${where}: lazy_image_attr: "${value}" is not an attribute name; ignored`);
        return;
      case 'prune':
        if (/^(yes|true|1)$/i.test(value)) rule.prune = true;
        else if (/^(no|false|0)$/i.test(value)) rule.prune = false;
        else warnings.push(`${where}: prune: expected yes or no; ignored`);
        return;
      case 'host': {
        const extra = normaliseHost(value);
        if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(extra)) {
          if (!rule.hosts.includes(extra)) rule.hosts.push(extra);
        } else {
          warnings.push(`${where}: host: "${value}" is not a host name; ignored`);
        }
        return;
      }
      case 'test_url':
        rule.tests.push({ url: value, contains: [] });
        return;
      case 'test_contains': {
        const last = rule.tests[rule.tests.length - 1];
        if (last) last.contains.push(value);
        else warnings.push(`${where}: test_contains before any test_url; ignored`);
        return;
      }
      default:
        if (!IGNORED_KEYS.has(key)) warnings.push(`${where}: unknown directive "${key}"; ignored`);
    }
  });
  return { rule, warnings };
}

function unquote(value: string): string {
  const m = /^(["'])(.*)\1$/.exec(value);
  return m ? m[2]! : value;
}

let builtin: SiteRule[] | undefined;

/** The rules shipped in src/extract/rules/, read once. */
export function builtinRules(): SiteRule[] {
  if (!builtin) {
    const rules: SiteRule[] = [];
    for (const name of readdirSync(BUILTIN_RULES_DIR).sort()) {
      if (!name.endsWith('.txt')) continue;
      const file = path.join(BUILTIN_RULES_DIR, name);
      rules.push(parseRules(readFileSync(file, 'utf8'), name, file).rule);
    }
    builtin = rules;
  }
  return builtin;
}

/**
 * Reads every `*.txt` rule file of each folder, in order; a folder that does not exist is skipped.
 * A rule for the same host in a later folder replaces the earlier one, so
 * `loadRules([BUILTIN_RULES_DIR, path.join(archive, 'rules')])` lets an archive override or add sites.
 */
export async function loadRules(dirs: string[]): Promise<LoadedRules> {
  const byName = new Map<string, SiteRule>();
  const warnings: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await fs.readdir(dir)).filter((n) => n.toLowerCase().endsWith('.txt')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      const parsed = parseRules(await fs.readFile(file, 'utf8'), name, file);
      warnings.push(...parsed.warnings);
      if (parsed.rule.hosts.length === 0) continue;
      byName.delete(parsed.rule.name);
      byName.set(parsed.rule.name, parsed.rule);
    }
  }
  return { rules: [...byName.values()], warnings };
}

/** Built-in rules plus the archive's own `<archive>/rules/*.txt` (which win for the same host). */
export function loadArchiveRules(archiveRoot: string): Promise<LoadedRules> {
  return loadRules([BUILTIN_RULES_DIR, path.join(archiveRoot, 'rules')]);
}

/** The rule for a page URL: the one whose host is the URL's host or its nearest parent domain. */
export function ruleFor(url: string, rules: SiteRule[]): SiteRule | null {
  let host: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    host = normaliseHost(u.hostname);
  } catch {
    return null;
  }
  let best: SiteRule | null = null;
  let bestLength = -1;
  for (const rule of rules) {
    for (const h of rule.hosts) {
      if ((host === h || host.endsWith(`.${h}`)) && h.length > bestLength) {
        best = rule;
        bestLength = h.length;
      }
    }
  }
  return best;
}
