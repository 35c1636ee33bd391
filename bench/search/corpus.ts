/**
 * A generated archive of synthetic Chinese news articles for bench/search.ts: deterministic (a seeded PRNG),
 * in the archive's own format (article files and manifests, as a run writes them), with a vocabulary of
 * real news words (people, places, topics, verbs) so that query words have realistic frequencies: a few
 * very common (美国, 中国, 俄), most rare. One article in ten is in traditional characters (opencc-js), one
 * in five carries a few Latin words (G20, iPhone, NATO). An article is 7–12 paragraphs, about 850 characters of
 * text (the golden RFI articles have 663 and 1,354).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as OpenCC from 'opencc-js';
import { articleFileName, articleId, canonicalUrl, contentHash, dayDir, renderArticle, serialiseRecord, type ManifestRecord } from '../../src/archive/index.ts';
import { bodyHash } from '../../src/archive/identity.ts';
import { seededRandom as prng } from '../../src/watch/schedule.ts';

export const SOURCES = ['rfi', 'bbc', 'voa', 'nytimes', 'dw', 'rfa', 'ftchinese', 'cdt'];

const PEOPLE = '普京 金正恩 习近平 拜登 特朗普 泽连斯基 马克龙 朔尔茨 岸田文雄 尹锡悦 莫迪 赖清德 李强 王毅 布林肯 内塔尼亚胡 埃尔多安 卢拉 古特雷斯 佩斯科夫 拉夫罗夫 冯德莱恩 苏纳克 斯塔默 石破茂 哈里斯 马斯克 李家超 蔡英文 朱镕基'.split(' ');
const PLACES = '美国 中国 俄罗斯 乌克兰 朝鲜 韩国 日本 台湾 香港 欧盟 德国 法国 英国 以色列 加沙 伊朗 印度 平壤 莫斯科 北京 华盛顿 基辅 东京 首尔 巴黎 柏林 布鲁塞尔 联合国 北约 新疆 西藏 上海 越南 菲律宾 南海 澳大利亚 巴西 土耳其 沙特 叙利亚'.split(' ');
const TOPICS = '制裁 峰会 导弹 步枪 军演 选举 疫情 贸易 关税 能源 天然气 石油 人权 新闻自由 抗议 示威 经济 通胀 利率 芯片 太空计划 卫星 核武器 停火 谈判 协议 难民 气候变化 地震 洪水 外交 军事合作 武器 援助 投资 出口 债务 房地产 失业 审查 网络安全 人工智能 电动车 粮食 边境 航母 无人机 议会 宪法 法院 间谍 腐败 留学生 签证'.split(' ');
const VERBS = '表示 宣布 访问 会见 谴责 批评 呼吁 警告 否认 确认 签署 推动 加强 讨论 支持 反对 发射 举行 暂停 恢复 限制 调查 提出 回应 关注 承诺 讨论了 同意 拒绝 威胁'.split(' ');
const TIMES = '周一 周二 周三 周四 周五 周六 周日 本周 上周 上月 本月 今年 去年 当天 近日 日前'.split(' ');
const CONNECTORS = ['据法新社报道，', '据路透社消息，', '另外，', '不过，', '与此同时，', '分析人士指出，', '', '', '', ''];
const LATIN = ['G20', 'iPhone', 'NATO', 'AI', 'COVID-19', 'TikTok', 'WTO', 'Huawei', 'OpenAI', 'BBC', 'Reuters', 'Café'];
const GENERAL = '政府 官员 国家 经济 发展 问题 地区 安全 国际 关系 社会 人民 企业 市场 政策 专家 媒体 记者 民众 部门 军队 警方 法律 改革 合作 危机 局势 形势 影响 风险 挑战 压力 计划 报告 数据 价格 增长 下降 声明 会议 代表 领导人 外长 总统 总理 议员 学者 组织 机构 银行 公司 工厂 学校 医院 城市 农村 边境 首都 港口 机场 铁路 公路 互联网 平台 用户 消费者 工人 学生 家庭 儿童 老人 妇女 选民 示威者 反对派 执政党 当局 大使馆 外交部 国防部 委员会'.split(' ');
const TITLE_LATIN = ['G20', 'iPhone', 'TikTok', 'NATO', 'AI'];

/** mulberry32: a small, fast, seeded PRNG (the watch schedule's jitter uses the same). */
export { prng };

/** A word of `list`, the first ones far more often (Zipf-like). */
function pick(rand: () => number, list: readonly string[]): string {
  return list[Math.floor(list.length * rand() ** 1.8)]!;
}

/** What an article is about: a person or two, a few places, a topic or two. Its sentences are mostly about
 *  them (as a news article is), now and then about anything. */
interface Focus {
  people: string[];
  places: string[];
  topics: string[];
}

function focusOf(rand: () => number): Focus {
  const some = (list: readonly string[], max: number) => Array.from({ length: 1 + Math.floor(rand() * max) }, () => pick(rand, list));
  return { people: some(PEOPLE, 2), places: some(PLACES, 3), topics: some(TOPICS, 2) };
}

function sentence(rand: () => number, f: Focus, latin: boolean): string {
  const from = (own: string[], all: readonly string[]) => (rand() < 0.85 ? own[Math.floor(rand() * own.length)]! : pick(rand, all));
  const p = from(f.people, PEOPLE);
  const q = from(f.places, PLACES);
  const t = from(f.topics, TOPICS);
  const v = pick(rand, VERBS);
  const time = pick(rand, TIMES);
  const c = CONNECTORS[Math.floor(rand() * CONNECTORS.length)]!;
  const g = () => pick(rand, GENERAL);
  const l = latin && rand() < 0.3 ? `${LATIN[Math.floor(rand() * LATIN.length)]!}` : '';
  switch (Math.floor(rand() * 6)) {
    case 0:
      return `${c}${p}${time}${v}，${q}${g()}将在${g()}问题上${pick(rand, VERBS)}${l}${t}。`;
    case 1:
      return `${c}${q}${g()}${time}${v}了有关${t}的${l}新措施，${g()}对此${pick(rand, VERBS)}。`;
    case 2:
      return `${p}在${q}${v}，双方就${t}和${g()}交换了意见${l ? `（${l}）` : ''}。`;
    case 3:
      return `${c}“${g()}必须${v}${g()}，”${p}对记者说。`;
    case 4:
      return `${c}${g()}认为，${g()}的${g()}仍然面临${g()}，${g()}${pick(rand, VERBS)}${g()}。`;
    default:
      return `${time}，${q}的${t}${v}引起${l}${g()}关注。`;
  }
}

export interface Generated {
  articles: number;
  bytes: number;
}

/** Writes `n` articles spread over the sources and three years into the archive folder `root`. */
export function generateArchive(root: string, n: number, seed = 20240914): Generated {
  const rand = prng(seed);
  const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const start = Date.UTC(2022, 0, 1);
  const span = 3 * 365 * 86_400_000;
  const manifests = new Map<string, string[]>(SOURCES.map((s) => [s, []]));
  const made = new Set<string>();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const slug = SOURCES[i % SOURCES.length]!;
    const latin = rand() < 0.2;
    const published = start + Math.floor(rand() * span / 60_000) * 60_000;
    const focus = focusOf(rand);
    let title = `${focus.people[0]!}${pick(rand, VERBS)}${focus.places[0]!}${focus.topics[0]!}${latin && rand() < 0.3 ? ` ${TITLE_LATIN[Math.floor(rand() * TITLE_LATIN.length)]!}` : ''}`;
    const paragraphs: string[] = [];
    const count = 7 + Math.floor(rand() * 6);
    for (let p = 0; p < count; p++) {
      const s = Array.from({ length: 3 + Math.floor(rand() * 2) }, () => sentence(rand, focus, latin)).join('');
      paragraphs.push(p === 0 ? `<p><strong>${s}</strong></p>` : `<p>${s}</p>`);
    }
    let html = paragraphs.join('');
    if (rand() < 0.1) {
      title = toTraditional(title);
      html = toTraditional(html);
    }
    const guid = `https://${slug}.example/news/${i}`;
    const id = articleId(slug, guid);
    const dir = dayDir(slug, published);
    const rel = `${dir}/${articleFileName(published, title, id)}`;
    const text = renderArticle({ published, title, link: guid, contentHtml: html });
    if (!made.has(dir)) {
      mkdirSync(path.join(root, dir), { recursive: true });
      made.add(dir);
    }
    writeFileSync(path.join(root, rel), text);
    bytes += Buffer.byteLength(text);
    const record: ManifestRecord = {
      id,
      path: rel,
      guid,
      link: guid,
      canonical: canonicalUrl(guid),
      published,
      title,
      hash: contentHash(title, html),
      bodyHash: bodyHash(html),
      firstSeen: published + 600_000,
      ...(i % 7 === 0 ? { textSource: 'page' as const } : {}),
    };
    manifests.get(slug)!.push(serialiseRecord(record));
  }
  for (const [slug, lines] of manifests) writeFileSync(path.join(root, 'articles', slug, 'index.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(root, 'newsvault.yaml'), '# generated by bench/search.ts\n');
  return { articles: n, bytes };
}
