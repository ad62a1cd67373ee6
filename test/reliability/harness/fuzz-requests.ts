import { generatePng } from './png';
import type { SeededRandom } from './random';

/** Ids and keys of the emulator under test, so that some fuzz cases pass the early checks. */
export interface FuzzTarget {
  organizationId: string;
  libraryId: string;
  writeKey: string;
  readKey: string;
}

/** One malformed or unusual HTTP/1.1 request, as the bytes written to the socket. */
export interface FuzzRequest {
  /** A short description of how the request was built, printed when the case fails. */
  label: string;
  bytes: Buffer;
}

const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'TRACE', 'get', 'P0ST'];

function pathsFor(target: FuzzTarget): string[] {
  const org = `/organizations/${target.organizationId}`;
  const lib = `${org}/libraries/${target.libraryId}`;
  return [
    '/me',
    '/libraries',
    `${org}/libraries`,
    lib,
    `${lib}/assets`,
    `${lib}/assets/tag`,
    `${lib}/assets/untag`,
    `${lib}/assets/transfer`,
    `${lib}/assets/a1b2c3`,
    `${lib}/assets/a1b2c3/description`,
    `${lib}/tags`,
    `${org}/search/assets`,
    '/',
    '/organizations',
    '/organizations//libraries//assets',
    `${org}/libraries/${'x'.repeat(300)}/assets`,
    `/organizations/%zz/libraries/${target.libraryId}/assets`,
    `/organizations/${target.organizationId}%00/libraries/${target.libraryId}/assets`,
    `/organizations/..%2f..%2fetc/libraries/${target.libraryId}/assets`,
    `/organizations/caf%C3%A9/libraries/%E2%80%AE/assets`,
    `${lib}/assets/%2e%2e`,
    `${lib}/assets/${encodeURIComponent('<script>')}`,
    `/_emulator/nothing-here`,
    '*',
    'http://127.0.0.1/me',
  ];
}

const QUERY_NAMES = ['page', 'pageSize', 'tags', 'limit', 'q', 'libraries', 'unknown', '', 'page[]', '__proto__', 'constructor'];
const QUERY_VALUES = [
  '', '0', '1', '-1', '2', '500', '501', '1e3', '0x10', '1.5', 'abc', ' 1', '9'.repeat(40), 'NaN', 'Infinity',
  '%zz', '%', '%00', '%E2%82', 'a,b,c,d,e,f', 'a,,b', ',', 'x'.repeat(2000), '%F0%9F%8E%A8', '+', '[]', '{}',
];

function randomQuery(random: SeededRandom): string {
  const count = random.int(0, 5);
  if (count === 0) return random.chance(0.1) ? '?' : '';
  const parts: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = random.pick(QUERY_NAMES);
    parts.push(random.chance(0.1) ? name : `${name}=${random.pick(QUERY_VALUES)}`);
  }
  return `?${parts.join(random.chance(0.9) ? '&' : ';')}`;
}

function randomAuthorization(random: SeededRandom, target: FuzzTarget): string | undefined {
  if (random.chance(0.6)) return `Bearer ${target.writeKey}`;
  return random.pick([
    undefined,
    `Bearer ${target.writeKey}`,
    `Bearer ${target.writeKey}`,
    `Bearer ${target.readKey}`,
    'Bearer ',
    'Bearer',
    `bearer ${target.writeKey}`,
    `Basic ${Buffer.from('user:pass').toString('base64')}`,
    `Bearer pk_${'A'.repeat(5000)}`,
    `Bearer ${target.writeKey} extra`,
    'Bearer pk_doesnotexist',
    '\t',
  ]);
}

function randomJson(random: SeededRandom): string {
  const ids = (count: number) => Array.from({ length: count }, (_, i) => `id-${i}`);
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  return random.pick([
    '{',
    '',
    'null',
    '[]',
    '"text"',
    '{"ids":[]}',
    '{"ids":null}',
    '{"ids":"a"}',
    '{"ids":[1,2,3]}',
    '{"ids":[{"a":1}]}',
    JSON.stringify({ ids: ids(101) }),
    JSON.stringify({ ids: ids(10_000) }),
    '{"assetIds":["x"],"tags":["index"]}',
    '{"assetIds":["x"],"tags":[""]}',
    '{"assetIds":["x"],"tags":["a,b"]}',
    '{"assetIds":["x"],"tags":["\\u0000"]}',
    '{"assetIds":[],"tags":["a"]}',
    JSON.stringify({ assetIds: ['x'], tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }),
    JSON.stringify({ assetIds: ['x'], tags: ['t'.repeat(101)] }),
    '{"assetIds":"x","tags":"y"}',
    '{"name":""}',
    '{"name":null}',
    JSON.stringify({ name: 'n'.repeat(101) }),
    '{"name":"ok","slug":"Bad Slug"}',
    '{"name":"ok","slug":"-bad"}',
    '{"description":5}',
    JSON.stringify({ description: 'd'.repeat(5001) }),
    '{"targetLibraryId":null,"assetIds":["x"]}',
    '{"__proto__":{"polluted":true},"ids":["x"]}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"email":"not-an-email"}',
    '{"email":"a@example.com","name":' + '"n"'.padEnd(10, ' ') + '}',
    deep,
    '\u0000\u0001\u0002',
    '{"ids":["x"]}garbage',
    '\ufeff{"ids":["x"]}',
  ]);
}

function randomMultipart(random: SeededRandom): { contentType: string; body: Buffer } {
  const boundary = random.pick(['fuzzboundary', 'x', '----WebKitFormBoundary7MA4YWxkTrZu0gW', 'b'.repeat(80)]);
  const png = generatePng(random, random.int(1, 4), random.int(1, 4));
  const filename = random.pick([
    'a.png', '', '../../etc/passwd', 'x'.repeat(1000) + '.png', 'caf\u0065\u0301.png', 'quote".png',
    'new\r\nline.png', '.png', 'no-extension', '%00.png',
  ]);
  const field = random.pick(['files', 'files', 'file', '', 'files[]']);
  const contentBytes = random.pick<Buffer>([
    png,
    png.subarray(0, random.int(0, png.length)),
    Buffer.from('not an image'),
    Buffer.alloc(0),
    Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    Buffer.concat([Buffer.from(`\r\n--${boundary}`), png]),
  ]);
  const part = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
        `Content-Type: ${random.pick(['image/png', 'text/plain', '', 'application/octet-stream'])}\r\n\r\n`,
    ),
    contentBytes,
    Buffer.from('\r\n'),
  ]);
  const partCount = random.pick([0, 1, 1, 2, 21]);
  const parts = Array.from({ length: partCount }, () => part);
  const ending = random.pick([`--${boundary}--\r\n`, `--${boundary}--`, '', `--${boundary}\r\n`, '--other--\r\n']);
  const variants = [
    Buffer.concat([...parts, Buffer.from(ending)]),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--${boundary}--\r\n`),
    Buffer.from(`--${boundary}\r\nbroken header line\r\n\r\nx\r\n--${boundary}--\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.png"`),
    random.bytes(random.int(0, 2000)),
  ];
  const body = random.chance(0.6) ? (variants[0] as Buffer) : Buffer.from(random.pick(variants));
  const contentType = random.pick([
    `multipart/form-data; boundary=${boundary}`,
    `multipart/form-data; boundary="${boundary}"`,
    'multipart/form-data',
    'multipart/form-data; boundary=',
    `multipart/form-data; boundary=${boundary}; charset=utf-8`,
    'multipart/mixed; boundary=x',
  ]);
  return { contentType, body };
}

/**
 * Builds one request: a method and path from the API's routes and nonsense around them, a
 * query string, the usual headers in valid and broken forms, and a JSON, multipart or random
 * body. Every request sends `Connection: close`, so the server closes the connection after its response.
 */
/** The method and path of every Raster route, so that most cases reach a route handler. */
function routesOf(target: FuzzTarget): Array<[string, string]> {
  const org = `/organizations/${target.organizationId}`;
  const lib = `${org}/libraries/${target.libraryId}`;
  return [
    ['GET', '/me'],
    ['POST', '/libraries'],
    ['GET', `${org}/libraries`],
    ['POST', `${org}/libraries`],
    ['PATCH', lib],
    ['GET', `${lib}/assets`],
    ['GET', `${lib}/assets/a1b2c3`],
    ['GET', `${org}/search/assets`],
    ['GET', `${lib}/tags`],
    ['POST', `${lib}/assets`],
    ['POST', `${lib}/assets`],
    ['DELETE', `${lib}/assets`],
    ['POST', `${lib}/assets/tag`],
    ['POST', `${lib}/assets/untag`],
    ['PATCH', `${lib}/assets/a1b2c3/description`],
    ['POST', `${lib}/assets/transfer`],
  ];
}

export function buildFuzzRequest(random: SeededRandom, target: FuzzTarget): FuzzRequest {
  const [method, basePath] = random.chance(0.7)
    ? random.pick(routesOf(target))
    : [random.pick(METHODS), random.pick(pathsFor(target))];
  const path = basePath + randomQuery(random);
  const headers: Array<[string, string]> = [['Host', '127.0.0.1']];
  const labels: string[] = [`${method} ${path.slice(0, 120)}`];

  // Most cases pass the version and key checks, so that the body and query parsers are reached.
  const apiVersion = random.chance(0.75)
    ? '2026-05-20'
    : random.pick([undefined, '', '1999-01-01', 'x'.repeat(3000), '2026-05-20, 2026-05-20']);
  if (apiVersion !== undefined) headers.push(['Api-Version', apiVersion]);
  const authorization = randomAuthorization(random, target);
  if (authorization !== undefined) headers.push(['Authorization', authorization]);

  let body: Buffer = Buffer.alloc(0);
  const bodyKind = random.pick(['none', 'json', 'json', 'multipart', 'multipart', 'random']);
  labels.push(`body ${bodyKind}`);
  if (bodyKind === 'json') {
    body = Buffer.from(randomJson(random));
    headers.push(['Content-Type', random.pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/JSON'])]);
  } else if (bodyKind === 'multipart') {
    const multipart = randomMultipart(random);
    body = multipart.body;
    headers.push(['Content-Type', multipart.contentType]);
  } else if (bodyKind === 'random') {
    body = Buffer.from(random.bytes(random.int(0, 4000)));
    if (random.chance(0.5)) headers.push(['Content-Type', 'application/octet-stream']);
  }

  const framing = random.pick(['length', 'length', 'length', 'chunked', 'short-length', 'duplicate-length', 'bad-chunked']);
  labels.push(`framing ${framing}`);
  let payload: Buffer = body;
  if (framing === 'length') {
    headers.push(['Content-Length', String(body.length)]);
  } else if (framing === 'short-length') {
    // Declares fewer bytes than follow; the rest reaches the server as a second request.
    headers.push(['Content-Length', String(Math.floor(body.length / 2))]);
  } else if (framing === 'duplicate-length') {
    headers.push(['Content-Length', String(body.length)], ['Content-Length', String(body.length + 1)]);
  } else if (framing === 'chunked') {
    headers.push(['Transfer-Encoding', 'chunked']);
    payload = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
  } else {
    headers.push(['Transfer-Encoding', 'chunked']);
    payload = Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n')]);
  }

  if (random.chance(0.1)) headers.push(['X-Padding', 'p'.repeat(random.int(1, 20_000))]);
  if (random.chance(0.05)) headers.push(['Bad Header Name', 'x']);
  if (random.chance(0.05)) headers.push(['X-Control', 'a\u0001b']);
  headers.push(['Connection', 'close']);

  const head = `${method} ${path} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`;
  return { label: labels.join(', '), bytes: Buffer.concat([Buffer.from(head, 'latin1'), payload]) };
}
