/**
 * A real SOCKS5 server (RFC 1928, with RFC 1929 user/password) for the tests, run as its own process:
 *
 *   node --import tsx src/fetch/testdata/socks5-proxy.ts [--auth user:password]
 *
 * Listens on 127.0.0.1 (port 0) and prints one JSON line per event on stdout:
 *   {"event":"listening","port":N}
 *   {"event":"connect","atyp":"domain"|"ipv4"|"ipv6","host":"…","port":N,"reply":0}
 *
 * Its own "DNS": names ending in `.test` resolve to 127.0.0.1 here and nowhere else, so a test can
 * tell that a host name was resolved by the proxy (socks5h) and not by the client (socks5).
 * Other names fail with reply 4 (host unreachable); a refused connection gets reply 5.
 */

import net from 'node:net';

const REPLY = { ok: 0, failure: 1, hostUnreachable: 4, refused: 5, commandNotSupported: 7, addressNotSupported: 8 } as const;

function log(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Reads exactly n bytes from a socket (paused mode), or rejects when it closes first. */
function reader(socket: net.Socket) {
  let buf = Buffer.alloc(0);
  let want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  const settle = () => {
    if (want && buf.length >= want.n) {
      const out = buf.subarray(0, want.n);
      buf = buf.subarray(want.n);
      const w = want;
      want = null;
      w.resolve(out);
    }
  };
  const onData = (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    settle();
  };
  socket.on('data', onData);
  socket.once('close', () => want?.reject(new Error('closed')));
  return {
    read: (n: number) =>
      new Promise<Buffer>((resolve, reject) => {
        want = { n, resolve, reject };
        settle();
      }),
    /** Stops reading and hands back what was read beyond the handshake. */
    detach: () => {
      socket.off('data', onData);
      return buf;
    },
  };
}

export function startSocks5Proxy(auth: string | null, onEvent: (e: Record<string, unknown>) => void): net.Server {
  return net.createServer((client) => {
    client.on('error', () => {});
    void handshake(client, auth, onEvent).catch(() => client.destroy());
  });
}

async function handshake(client: net.Socket, auth: string | null, onEvent: (e: Record<string, unknown>) => void): Promise<void> {
  const r = reader(client);
  const [ver, nMethods] = await r.read(2);
  if (ver !== 5) return void client.destroy();
  const methods = [...(await r.read(nMethods!))];
  const method = auth === null ? 0x00 : 0x02;
  if (!methods.includes(method)) return void client.end(Buffer.from([5, 0xff]));
  client.write(Buffer.from([5, method]));
  if (method === 0x02) {
    const [, ulen] = await r.read(2);
    const user = (await r.read(ulen!)).toString('utf8');
    const [plen] = await r.read(1);
    const pass = (await r.read(plen!)).toString('utf8');
    const ok = `${user}:${pass}` === auth;
    client.write(Buffer.from([1, ok ? 0 : 1]));
    if (!ok) return void client.end();
  }
  const [, cmd, , atyp] = await r.read(4);
  let host: string;
  let kind: string;
  if (atyp === 1) {
    host = [...(await r.read(4))].join('.');
    kind = 'ipv4';
  } else if (atyp === 3) {
    const [len] = await r.read(1);
    host = (await r.read(len!)).toString('utf8');
    kind = 'domain';
  } else if (atyp === 4) {
    const b = await r.read(16);
    host = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
    kind = 'ipv6';
  } else {
    return reply(client, REPLY.addressNotSupported);
  }
  const port = (await r.read(2)).readUInt16BE(0);
  const event = { event: 'connect', atyp: kind, host, port };
  if (cmd !== 1) {
    onEvent({ ...event, reply: REPLY.commandNotSupported });
    return reply(client, REPLY.commandNotSupported);
  }
  let address = host;
  if (kind === 'domain') {
    if (!host.endsWith('.test')) {
      onEvent({ ...event, reply: REPLY.hostUnreachable });
      return reply(client, REPLY.hostUnreachable);
    }
    address = '127.0.0.1';
  }
  const upstream = net.connect(port, address);
  upstream.once('error', (err: NodeJS.ErrnoException) => {
    const code = err.code === 'ECONNREFUSED' ? REPLY.refused : REPLY.failure;
    onEvent({ ...event, reply: code });
    if (!client.destroyed) reply(client, code);
  });
  upstream.once('connect', () => {
    onEvent({ ...event, reply: REPLY.ok });
    const bound = Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]);
    bound.writeUInt16BE(upstream.localPort ?? 0, 8);
    client.write(bound);
    const early = r.detach();
    if (early.length > 0) upstream.write(early);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
}

function reply(client: net.Socket, code: number): void {
  client.end(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--auth');
  const server = startSocks5Proxy(i >= 0 ? (process.argv[i + 1] ?? null) : null, log);
  server.listen(0, '127.0.0.1', () => log({ event: 'listening', port: (server.address() as net.AddressInfo).port }));
  process.on('SIGTERM', () => process.exit(0));
}
