/**
 * A real HTTP CONNECT proxy for the tests, run as its own process:
 *
 *   node --import tsx src/fetch/testdata/connect-proxy.ts [--auth user:password] [--refuse 403]
 *
 * Listens on 127.0.0.1 (port 0) and prints one JSON line per event on stdout:
 *   {"event":"listening","port":N}
 *   {"event":"connect","target":"host:port","auth":"user:password"|null,"status":200}
 * A CONNECT is answered 407 when --auth is given and the credentials differ, the --refuse status
 * when given, 502 when the target cannot be reached; otherwise bytes are relayed both ways.
 */

import net from 'node:net';

interface ProxyConfig {
  auth: string | null;
  refuse: number | null;
}

function parseArgs(argv: string[]): ProxyConfig {
  const config: ProxyConfig = { auth: null, refuse: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--auth') config.auth = argv[++i] ?? null;
    if (argv[i] === '--refuse') config.refuse = Number(argv[++i]);
  }
  return config;
}

function log(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

export function startConnectProxy(config: ProxyConfig, onEvent: (e: Record<string, unknown>) => void): net.Server {
  return net.createServer((client) => {
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16 * 1024) client.destroy();
        return;
      }
      client.off('data', onData);
      const rest = head.subarray(end + 4);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const [method, target] = (lines[0] ?? '').split(' ');
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const basic = /^Basic (.+)$/i.exec(headers.get('proxy-authorization') ?? '');
      const auth = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : null;
      const answer = (status: number, text: string) => {
        onEvent({ event: 'connect', target, auth, status });
        client.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      };
      if (method !== 'CONNECT' || target === undefined) return answer(405, 'Method Not Allowed');
      if (config.auth !== null && auth !== config.auth) return answer(407, 'Proxy Authentication Required');
      if (config.refuse !== null) return answer(config.refuse, 'Refused');
      const colon = target.lastIndexOf(':');
      const host = target.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      const upstream = net.connect(Number(target.slice(colon + 1)), host);
      let established = false;
      upstream.once('connect', () => {
        established = true;
        onEvent({ event: 'connect', target, auth, status: 200 });
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      upstream.once('error', () => {
        if (!established) answer(502, 'Bad Gateway');
        else client.destroy();
      });
      client.once('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = startConnectProxy(parseArgs(process.argv.slice(2)), log);
  server.listen(0, '127.0.0.1', () => log({ event: 'listening', port: (server.address() as net.AddressInfo).port }));
  process.on('SIGTERM', () => process.exit(0));
}
