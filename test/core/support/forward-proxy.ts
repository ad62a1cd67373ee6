/** A forward proxy on loopback for tests of proxy support. */

import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ForwardProxy {
  url: string;
  /** `host:port` of every CONNECT tunnel and absolute URL of every forwarded request. */
  targets: string[];
  /** Bytes the client sent through CONNECT tunnels, as Latin-1 text. */
  tunnelledText(): string;
  close(): Promise<void>;
}

/**
 * Starts a forward proxy on 127.0.0.1 that opens CONNECT tunnels (which undici's ProxyAgent
 * uses) and forwards absolute-URL requests. It rejects targets other than 127.0.0.1, and with
 * `credentials` (`user:password`) every tunnel without that Basic `Proxy-Authorization`. A tunnel
 * to a port that refuses the connection gets 502.
 */
export async function startForwardProxy(credentials?: string): Promise<ForwardProxy> {
  const expectedAuthorization =
    credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`;
  const targets: string[] = [];
  const tunnelled: Buffer[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((request, response) => {
    targets.push(request.url ?? '');
    const target = new URL(request.url ?? '');
    if (target.hostname !== '127.0.0.1') {
      response.writeHead(403).end();
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target.port, path: `${target.pathname}${target.search}`, method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    request.pipe(upstream);
  });

  server.on('connect', (request, clientSocket: Socket, head) => {
    targets.push(request.url ?? '');
    const [host, port] = (request.url ?? '').split(':');
    if (host !== '127.0.0.1') {
      clientSocket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    if (expectedAuthorization !== undefined && request.headers['proxy-authorization'] !== expectedAuthorization) {
      clientSocket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    let established = false;
    const upstream = connect(Number(port), '127.0.0.1', () => {
      established = true;
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      tunnelled.push(head);
      clientSocket.on('data', (chunk: Buffer) => tunnelled.push(chunk));
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    // A target that cannot be reached gets 502 Bad Gateway, as real proxies return.
    upstream.once('error', () => {
      if (!established) clientSocket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    for (const socket of [clientSocket, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    tunnelledText: () => Buffer.concat(tunnelled).toString('latin1'),
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
