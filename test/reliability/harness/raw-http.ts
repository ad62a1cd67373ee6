import { connect } from 'node:net';

/** What came back on one raw connection. */
export interface RawExchange {
  /** Status codes of every response on the connection, in order. */
  statuses: number[];
  response: Buffer;
  /** True when the server sent nothing and kept the connection open until the timeout. */
  timedOut: boolean;
  /** Socket error code, such as ECONNRESET, when the connection failed. */
  error?: string;
}

/**
 * Writes `bytes` to a new TCP connection to `host:port` (loopback only) and collects the reply
 * until the server closes the connection or `timeoutMs` passes.
 */
export function exchangeRaw(host: string, port: number, bytes: Buffer, timeoutMs: number): Promise<RawExchange> {
  if (host !== '127.0.0.1' && host !== '::1') throw new Error(`raw requests go to loopback only, not ${host}`);

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    let error: string | undefined;
    const socket = connect({ host, port });

    const timer = setTimeout(() => {
      timedOut = chunks.length === 0;
      socket.destroy();
    }, timeoutMs);

    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (cause: NodeJS.ErrnoException) => {
      error = cause.code ?? cause.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const response = Buffer.concat(chunks);
      const statuses = [...response.toString('latin1').matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => Number(match[1]));
      const exchange: RawExchange = { statuses, response, timedOut };
      if (error !== undefined) exchange.error = error;
      resolve(exchange);
    });

    socket.write(bytes, () => socket.end());
  });
}
