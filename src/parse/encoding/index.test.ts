import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { charsetFromContentType, decodeBody } from './index.ts';

const SIMPLIFIED_TITLE = '中国新闻网：国务院总理在北京会见外国客人，双方就经济合作交换意见';
const TRADITIONAL_TITLE = '自由時報：臺灣新聞，總統今天在臺北發表談話，強調民主自由的重要性';

function rss(title: string, declaration = '<?xml version="1.0"?>'): string {
  return (
    `${declaration}\n<rss version="2.0"><channel><title>${title}</title>` +
    `<item><title>${title}</title><description>${title} ${title}</description></item></channel></rss>`
  );
}

function encode(text: string, encoding: string, bom = false): Buffer {
  return iconv.encode(text, encoding, { addBOM: bom });
}

test('GB18030 feed declared only by its XML declaration', () => {
  const xml = rss(SIMPLIFIED_TITLE, '<?xml version="1.0" encoding="GB18030"?>');
  const result = decodeBody(encode(xml, 'gb18030'), { contentType: 'application/rss+xml', kind: 'xml' });
  assert.deepEqual(result, { text: xml, encoding: 'GB18030', source: 'xml-declaration', warnings: [] });
});

test('GB18030 feed declared only by the HTTP header', () => {
  const xml = rss(SIMPLIFIED_TITLE);
  const result = decodeBody(encode(xml, 'gb18030'), { contentType: 'text/xml; charset="GB18030"', kind: 'xml' });
  assert.deepEqual(result, { text: xml, encoding: 'GB18030', source: 'http', warnings: [] });
});

test('a gb2312 label decodes GBK-only characters and 4-byte GB18030 sequences', () => {
  // 镕 and 堃 are outside GB2312 (they are GBK); 😀 needs GB18030's 4-byte form.
  const title = '朱镕基 王堃 新闻 😀';
  const xml = rss(title, '<?xml version="1.0" encoding="gb2312"?>');
  const bytes = encode(xml, 'gb18030');
  assert.ok(bytes.includes(Buffer.from([0xe9, 0x46])), 'fixture contains GBK 镕 (E946)');
  const fromDeclaration = decodeBody(bytes, { kind: 'xml' });
  assert.equal(fromDeclaration.text, xml);
  assert.equal(fromDeclaration.encoding, 'GB18030');
  assert.deepEqual(fromDeclaration.warnings, []);
  const fromHeader = decodeBody(bytes, { contentType: 'text/xml; charset=GB2312', kind: 'xml' });
  assert.equal(fromHeader.text, xml);
  assert.equal(fromHeader.source, 'http');
  for (const label of ['gbk', 'x-gbk', 'GB_2312-80']) {
    assert.equal(decodeBody(bytes, { contentType: `text/xml; charset=${label}`, kind: 'xml' }).text, xml, label);
  }
});

test('Big5 Traditional-Chinese feed', () => {
  const xml = rss(TRADITIONAL_TITLE, '<?xml version="1.0" encoding="big5"?>');
  const bytes = encode(xml, 'big5hkscs');
  const result = decodeBody(bytes, { kind: 'xml' });
  assert.deepEqual(result, { text: xml, encoding: 'Big5', source: 'xml-declaration', warnings: [] });
  assert.match(result.text, /臺灣 ?新聞/);
  assert.match(result.text, /自由/);
  const hkscs = decodeBody(bytes, { contentType: 'application/rss+xml; charset=Big5-HKSCS', kind: 'xml' });
  assert.equal(hkscs.text, xml);
  assert.equal(hkscs.source, 'http');
});

test('UTF-16LE and UTF-16BE with BOM; the BOM is stripped', () => {
  const xml = rss(SIMPLIFIED_TITLE, '<?xml version="1.0" encoding="UTF-16"?>');
  const le = decodeBody(encode(xml, 'utf-16le', true), { kind: 'xml' });
  assert.deepEqual(le, { text: xml, encoding: 'UTF-16LE', source: 'bom', warnings: [] });
  const be = decodeBody(encode(xml, 'utf-16be', true), { contentType: 'text/xml; charset=utf-16', kind: 'xml' });
  assert.deepEqual(be, { text: xml, encoding: 'UTF-16BE', source: 'bom', warnings: [] });
});

test('UTF-16 without BOM is recognised from the <?xml byte pattern', () => {
  const xml = rss(SIMPLIFIED_TITLE, '<?xml version="1.0" encoding="UTF-16"?>');
  const le = decodeBody(encode(xml, 'utf-16le'), { kind: 'xml' });
  assert.equal(le.text, xml);
  assert.equal(le.encoding, 'UTF-16LE');
  assert.equal(le.source, 'xml-declaration');
  const be = decodeBody(encode(xml, 'utf-16be'), { contentType: 'text/xml; charset=utf-16', kind: 'xml' });
  assert.equal(be.text, xml);
  assert.equal(be.encoding, 'UTF-16BE'); // the pattern fixes the byte order a bare "utf-16" header leaves open
});

test('UTF-8 with BOM: BOM stripped; a contradicting header earns a warning', () => {
  const xml = rss(SIMPLIFIED_TITLE, '<?xml version="1.0" encoding="UTF-8"?>');
  const bytes = encode(xml, 'utf-8', true);
  assert.deepEqual(decodeBody(bytes, { kind: 'xml' }), { text: xml, encoding: 'UTF-8', source: 'bom', warnings: [] });
  const contradicted = decodeBody(bytes, { contentType: 'text/xml; charset=gb2312', kind: 'xml' });
  assert.equal(contradicted.text, xml);
  assert.equal(contradicted.source, 'bom');
  assert.deepEqual(contradicted.warnings, ['HTTP charset gb2312 contradicts the UTF-8 byte order mark; decoded as UTF-8']);
});

test('lying ISO-8859-1 header on a UTF-8 body that declares UTF-8: the declaration wins', () => {
  const xml = rss('Café résumé — 中文新闻', '<?xml version="1.0" encoding="UTF-8"?>');
  const result = decodeBody(Buffer.from(xml, 'utf8'), { contentType: 'text/xml; charset=ISO-8859-1', kind: 'xml' });
  assert.equal(result.text, xml);
  assert.equal(result.encoding, 'UTF-8');
  assert.equal(result.source, 'xml-declaration');
  assert.equal(result.warnings.length, 1);
  assert.match(result.warnings[0] ?? '', /HTTP charset ISO-8859-1 contradicts the XML declaration.*decoded as UTF-8/);
});

test('lying ISO-8859-1 header on a GB18030 body that declares gb2312: the declaration wins', () => {
  const xml = rss(SIMPLIFIED_TITLE, '<?xml version="1.0" encoding="gb2312"?>');
  const result = decodeBody(encode(xml, 'gb18030'), { contentType: 'text/xml; charset=iso-8859-1', kind: 'xml' });
  assert.equal(result.text, xml);
  assert.equal(result.encoding, 'GB18030');
  assert.equal(result.source, 'xml-declaration');
  assert.equal(result.warnings.length, 1);
});

test('ISO-8859-1 header on a Latin-1 body that wrongly declares UTF-8: the header wins', () => {
  const xml = rss('Jornal de Notícias — Últimas', '<?xml version="1.0" encoding="UTF-8"?>');
  const result = decodeBody(encode(xml, 'windows-1252'), { contentType: 'text/xml; charset=ISO-8859-1', kind: 'xml' });
  assert.equal(result.text, xml);
  assert.equal(result.encoding, 'windows-1252');
  assert.equal(result.source, 'http');
  assert.deepEqual(result.warnings, ["HTTP charset ISO-8859-1 overrides the document's declared UTF-8; decoded as windows-1252"]);
});

test('header says utf-8 but the bytes are GB18030: detected, with a warning', () => {
  const xml = rss(SIMPLIFIED_TITLE);
  const result = decodeBody(encode(xml, 'gb18030'), { contentType: 'application/rss+xml; charset=utf-8', kind: 'xml' });
  assert.equal(result.text, xml);
  assert.equal(result.encoding, 'GB18030');
  assert.equal(result.source, 'detected');
  assert.deepEqual(result.warnings, ['declared charset utf-8 (HTTP Content-Type) does not match the content; decoded as GB18030']);
});

test('header says utf-8 but the bytes are GB18030 and the declaration says so: the declaration is used', () => {
  const xml = rss(SIMPLIFIED_TITLE, "<?xml version='1.0' encoding='GBK'?>");
  const result = decodeBody(encode(xml, 'gb18030'), { contentType: 'text/xml;charset=UTF-8', kind: 'xml' });
  assert.equal(result.text, xml);
  assert.equal(result.source, 'xml-declaration');
  assert.deepEqual(result.warnings, [
    'declared charset UTF-8 (HTTP Content-Type) does not match the content; decoded as GB18030 (XML declaration)',
  ]);
});

test('undeclared non-UTF-8 bytes are detected with chardet', () => {
  const xml = rss(SIMPLIFIED_TITLE);
  const gb = decodeBody(encode(xml, 'gb18030'), { kind: 'xml' });
  assert.equal(gb.text, xml);
  assert.equal(gb.encoding, 'GB18030');
  assert.equal(gb.source, 'detected');
  assert.deepEqual(gb.warnings, ['no charset declared; detected GB18030']);
  const big5 = decodeBody(encode(rss(TRADITIONAL_TITLE), 'big5hkscs'), { kind: 'xml' });
  assert.equal(big5.encoding, 'Big5');
  assert.equal(big5.text, rss(TRADITIONAL_TITLE));
});

test('undeclared valid UTF-8 is the default, with no warning', () => {
  const xml = rss(SIMPLIFIED_TITLE);
  assert.deepEqual(decodeBody(Buffer.from(xml), { kind: 'xml' }), { text: xml, encoding: 'UTF-8', source: 'default', warnings: [] });
});

test('an unknown label is reported and ignored', () => {
  const xml = rss(SIMPLIFIED_TITLE);
  const result = decodeBody(Buffer.from(xml), { contentType: 'text/xml; charset=klingon-8', kind: 'xml' });
  assert.equal(result.text, xml);
  assert.equal(result.encoding, 'UTF-8');
  assert.equal(result.source, 'default');
  assert.deepEqual(result.warnings, ['unknown charset "klingon-8" in HTTP Content-Type; ignored']);
  const declared = decodeBody(encode(rss(SIMPLIFIED_TITLE, '<?xml version="1.0" encoding="x-nonsense"?>'), 'gb18030'), { kind: 'xml' });
  assert.equal(declared.encoding, 'GB18030');
  assert.equal(declared.source, 'detected');
  assert.deepEqual(declared.warnings, ['unknown charset "x-nonsense" in XML declaration; ignored', 'no charset declared; detected GB18030']);
});

test('latin1 and us-ascii labels decode as windows-1252 (WHATWG)', () => {
  const bytes = Buffer.from([0x3c, 0x70, 0x3e, 0x93, 0x48, 0x69, 0x94, 0x20, 0x80, 0x35, 0x20, 0xe9, 0x3c, 0x2f, 0x70, 0x3e]);
  for (const label of ['iso-8859-1', 'latin1', 'US-ASCII']) {
    const result = decodeBody(bytes, { contentType: `text/html; charset=${label}`, kind: 'html' });
    assert.equal(result.text, '<p>“Hi” €5 é</p>', label);
    assert.equal(result.encoding, 'windows-1252', label);
  }
});

test('HTML meta charset=gbk and http-equiv forms', () => {
  const html = `<!doctype html><html><head><meta charset="gbk"><title>${SIMPLIFIED_TITLE}</title></head><body>${SIMPLIFIED_TITLE}</body></html>`;
  assert.deepEqual(decodeBody(encode(html, 'gb18030'), { kind: 'html' }), { text: html, encoding: 'GB18030', source: 'meta', warnings: [] });
  const equiv = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"><title>${TRADITIONAL_TITLE}</title></head></html>`;
  const result = decodeBody(encode(equiv, 'big5hkscs'), { kind: 'html' });
  assert.equal(result.text, equiv);
  assert.equal(result.encoding, 'Big5');
  assert.equal(result.source, 'meta');
});

test('JSON served with a single-byte charset but written in UTF-8 is decoded as UTF-8', () => {
  // Every byte of this UTF-8 is also valid windows-1252, so only the rule (not a failed decode) saves it.
  const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'Café — résumé' });
  const result = decodeBody(Buffer.from(json), { contentType: 'application/feed+json; charset=iso-8859-1', kind: 'json' });
  assert.equal(result.text, json);
  assert.equal(result.encoding, 'UTF-8');
  assert.equal(result.source, 'default');
  assert.deepEqual(result.warnings, [
    'HTTP charset iso-8859-1 contradicts JSON (always UTF-8), which decodes the content cleanly; decoded as UTF-8',
  ]);
});

test('a UTF-8 feed with one broken sequence stays UTF-8, with a replacement character and a warning', () => {
  const before = rss(SIMPLIFIED_TITLE, '<?xml version="1.0" encoding="UTF-8"?>');
  const cut = before.indexOf('</channel>');
  const bytes = Buffer.concat([Buffer.from(before.slice(0, cut)), Buffer.from([0xe4, 0xb8]), Buffer.from(before.slice(cut))]); // truncated 中
  const declared = decodeBody(bytes, { contentType: 'text/xml; charset=utf-8', kind: 'xml' });
  assert.equal(declared.text, `${before.slice(0, cut)}\uFFFD${before.slice(cut)}`);
  assert.equal(declared.encoding, 'UTF-8');
  assert.equal(declared.source, 'http');
  assert.deepEqual(declared.warnings, ['content is not entirely valid UTF-8 (1 invalid sequence replaced)']);
  const undeclared = decodeBody(bytes, { kind: 'xml' });
  assert.equal(undeclared.text, declared.text);
  assert.equal(undeclared.source, 'xml-declaration');
});

test('Latin-1 bytes are not mistaken for broken UTF-8', () => {
  const xml = rss('Jornal de Notícias — Últimas Notícias de Portugal e do Mundo, à espera de ação');
  const result = decodeBody(encode(xml, 'windows-1252'), { kind: 'xml' });
  assert.equal(result.text, xml);
  assert.equal(result.source, 'detected');
  assert.match(result.encoding, /^(windows-1252|ISO-8859-\d+|windows-125\d)$/);
});

test('charset parameter parsing', () => {
  assert.equal(charsetFromContentType('text/xml; charset=gb2312'), 'gb2312');
  assert.equal(charsetFromContentType('text/xml;CHARSET="Big5" ; q=1'), 'Big5');
  assert.equal(charsetFromContentType('text/xml'), null);
  assert.equal(charsetFromContentType('text/xml; charset='), null);
  assert.equal(charsetFromContentType(null), null);
});

const CORPUS_FILE = '/work/shared/dev-corpus/feeds/rss-parser/test/input/encoding.rss';

test('dev corpus: rss-parser encoding.rss (ISO-8859-1 by XML declaration)', (t) => {
  if (!existsSync(CORPUS_FILE)) {
    t.skip(`dev corpus not present at ${CORPUS_FILE}`);
    return;
  }
  const result = decodeBody(readFileSync(CORPUS_FILE), { contentType: null, kind: 'xml' });
  assert.equal(result.encoding, 'windows-1252');
  assert.equal(result.source, 'xml-declaration');
  assert.deepEqual(result.warnings, []);
  assert.ok(result.text.startsWith('<?xml version="1.0" encoding="ISO-8859-1"?>'));
  assert.ok(result.text.includes('<title>Jornal de Notícias - Últimas Notícias</title>'));
  assert.ok(result.text.includes('Mãe de utente é a nova presidente da Raríssimas'));
  assert.ok(!result.text.includes('\uFFFD'));
});

test('ISO-8859-1 declared: bytes 0x80–0x9F are windows-1252 punctuation, as in browsers (WHATWG), never a guess', () => {
  const body = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>'), Buffer.from([0x92, 0x93, 0x97, 0x81, 0xe9]), Buffer.from('</title></channel></rss>')]);
  const decoded = decodeBody(body, { kind: 'xml' });
  assert.equal(decoded.encoding, 'windows-1252');
  assert.match(decoded.text, /<title>\u2019\u201c\u2014\u0081\u00e9<\/title>/);
  assert.deepEqual(decoded.warnings, []);
});

test('UTF-32 LE and BE, with a byte order mark or the <\\0\\0\\0 pattern, decode', () => {
  const xml = '<?xml version="1.0" encoding="UTF-32"?><rss><channel><title>普京 😀</title></channel></rss>';
  const encode = (le: boolean, bom: boolean) => {
    const cps = [...(bom ? '\ufeff' : ''), ...xml].map((c) => c.codePointAt(0)!);
    const buf = Buffer.alloc(cps.length * 4);
    cps.forEach((cp, i) => (le ? buf.writeUInt32LE(cp, i * 4) : buf.writeUInt32BE(cp, i * 4)));
    return buf;
  };
  for (const [le, bom, name] of [[true, true, 'UTF-32LE'], [false, true, 'UTF-32BE'], [true, false, 'UTF-32LE'], [false, false, 'UTF-32BE']] as const) {
    const decoded = decodeBody(encode(le, bom), { kind: 'xml' });
    assert.equal(decoded.encoding, name);
    assert.equal(decoded.text, xml);
  }
});
