import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parser } from 'htmlparser2';
import { escapeHtml, plainText, sanitizeArticle } from './sanitize.ts';

/** XSS payloads: script tags, event handlers, SVG/MathML, javascript: with entity, white-space and case tricks,
 *  mutation-XSS shapes, forms, frames, meta refresh, base, styles, data: URLs. */
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<img src=x onerror=alert(1)>',
  '<img src="x" ONERROR="alert(1)">',
  '<img src=x onerror\t=\talert(1)>',
  '<img/src=x/onerror=alert(1)>',
  '<body onload=alert(1)>',
  '<p onclick="alert(1)" onmouseover=alert(1)>text</p>',
  '<svg onload=alert(1)><circle r=10 /></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
  '<math href="javascript:alert(1)">x</math>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="java\tscript:alert(1)">x</a>',
  '<a href="java&#x09;script:alert(1)">x</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
  '<img src="javascript:alert(1)">',
  '<a href="//evil.example/">protocol-relative</a>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<p title="</p><script>alert(1)</script>">x</p>',
  '<form action="https://evil.example/"><input name=q><button formaction="javascript:alert(1)">go</button></form>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="https://evil.example/">',
  '<link rel=stylesheet href="https://evil.example/x.css">',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '<div style="background:url(javascript:alert(1));position:fixed;inset:0">x</div>',
  '<details open ontoggle=alert(1)>',
  '<video><source onerror=alert(1)></video>',
  '<template><img src=x onerror=alert(1)></template>',
  '<a href="https://ok.example/" target="_blank" id="lang-switch" class="x">fine</a>',
  '<img src="../../../../assets/ab/' + 'a'.repeat(64) + '.jpg" data-original-src="https://img.example/a.jpg" alt="图" onload=alert(1)>',
  '<!--<img src=x onerror=alert(1)>-->',
  '<![CDATA[<img src=x onerror=alert(1)>]]>',
  '<xmp><img src=x onerror=alert(1)></xmp>',
  '<textarea><img src=x onerror=alert(1)></textarea>',
  '<select><option><img src=x onerror=alert(1)></option></select>',
];

const ALLOWED = new Set([
  'p', 'br', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6', 'b', 'strong', 'i', 'em', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark', 'q', 'cite',
  'abbr', 'dfn', 'time', 'span', 'div', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'var', 'ruby', 'rt', 'rp', 'wbr', 'bdi', 'ul', 'ol', 'li',
  'dl', 'dt', 'dd', 'a', 'img', 'figure', 'figcaption', 'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
]);

/** Every element and attribute of the output, parsed as a browser's tokenizer would see it: no executable vector. */
function assertSafe(html: string, payload: string): void {
  const problems: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (!ALLOWED.has(name)) problems.push(`element <${name}>`);
        for (const [k, v] of Object.entries(attribs)) {
          if (/^on/i.test(k) || k === 'style' || k === 'srcdoc' || k === 'id' || k === 'class' || k === 'target' || k === 'formaction') problems.push(`attribute ${k}`);
          if (['href', 'src', 'cite', 'action', 'xlink:href'].includes(k)) {
            const ok = /^(https?:\/\/|mailto:)/i.test(v) || /^(\.\.\/)*assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z]+$/.test(v);
            if (!ok) problems.push(`${k}=${v}`);
          }
        }
      },
      oncomment() {
        problems.push('comment');
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  assert.deepEqual(problems, [], `payload ${payload}\ngave ${html}`);
  assert.doesNotMatch(html, /<\s*(script|svg|math|iframe|object|embed|form|meta|base|link|style|template|noscript)/i, `payload ${payload}\ngave ${html}`);
}

test('sanitizer: no payload of the corpus keeps an executable vector, alone or inside an article', () => {
  for (const p of PAYLOADS) {
    assertSafe(sanitizeArticle(p, { root: '../../', baseUrl: 'https://news.example/a/1.html' }), p);
    assertSafe(sanitizeArticle(`<p>普京在平壤${p}会见金正恩。</p><p>${p}</p>`, { root: '', baseUrl: null }), p);
  }
});

test('sanitizer: links get rel=noopener noreferrer nofollow, relative ones are resolved against the article, bad ones lose their href', () => {
  const html = sanitizeArticle('<p><a href="https://a.example/x" rel="opener" target="_blank">外链</a> <a href="/news/2">相对</a> <a href="javascript:alert(1)">坏</a></p>', {
    root: '../../',
    baseUrl: 'https://news.example/world/1.html',
  });
  assert.match(html, /<a href="https:\/\/a\.example\/x" rel="noopener noreferrer nofollow">外链<\/a>/);
  assert.match(html, /<a href="https:\/\/news\.example\/news\/2" rel="noopener noreferrer nofollow">相对<\/a>/);
  assert.match(html, /<a>坏<\/a>/);
  assert.doesNotMatch(html, /target|opener"/);
});

test('sanitizer: a mirrored image points at the site copy; others keep their URL with no referrer, lazily; alt text kept', () => {
  const hash = 'c'.repeat(64);
  const mirrored = `<img src="../../../../assets/cc/${hash}.webp" data-original-src="https://img.example/p.webp" alt="普京与金正恩" width="640" height="50%">`;
  const html = sanitizeArticle(`<figure>${mirrored}<figcaption>图说</figcaption></figure><img src="https://img.example/q.jpg" alt="远程"><img src="/r.png"><img alt="no source">`, {
    root: '../../',
    baseUrl: 'https://news.example/a/1.html',
  });
  assert.match(html, new RegExp(`<img src="\\.\\./\\.\\./assets/cc/${hash}\\.webp" alt="普京与金正恩" width="640"`));
  assert.doesNotMatch(html, /data-original-src|50%/);
  assert.match(html, /<img src="https:\/\/img\.example\/q\.jpg" alt="远程" referrerpolicy="no-referrer" loading="lazy"/);
  assert.match(html, /<img src="https:\/\/news\.example\/r\.png" alt="" referrerpolicy="no-referrer"/);
  assert.doesNotMatch(html, /no source/);
  // a relative src that only looks mirrored (no data-original-src, or outside assets/) is not taken for one
  const fake = sanitizeArticle(`<img src="../../../../assets/cc/${hash}.webp"><img src="../../../../.newsvault/state.json" data-original-src="https://x.example/">`, { root: '', baseUrl: null });
  assert.equal(fake, '');
});

test('sanitizer: headings below the page title, text and Chinese punctuation kept', () => {
  const html = sanitizeArticle('<h1>标题</h1><p>“普京”说：<b>好</b>&amp;坏</p>', { root: '', baseUrl: null });
  assert.equal(html, '<h2>标题</h2><p>“普京”说：<b>好</b>&amp;坏</p>');
});

test('plainText: entities a feed left in a title are decoded once, then escaped once', () => {
  assert.equal(plainText('普京 &quot;访问&quot;  平壤\u202e'), '普京 "访问" 平壤');
  assert.equal(escapeHtml(plainText('a &amp;lt;script&amp;gt; b')), 'a &amp;lt;script&amp;gt; b');
  assert.equal(escapeHtml(plainText('<script>alert(1)</script>')), '&lt;script&gt;alert(1)&lt;/script&gt;');
});
