import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { AdminError, type EmulatorAdmin } from './admin';
import { ApiError } from './api-error';
import { readJsonObject } from './body';
import type { FaultSpec } from './faults';
import { sendData, sendError, sendJson } from './respond';
import type { AccessLevel } from './store/records';

/** Path prefix of the administration surface, apart from every Raster route. */
export const ADMIN_PREFIX = '/_emulator';

export interface SeedInfo {
  url: string;
  organizationId: string;
  libraryId: string;
  writeKey: string;
  readKey: string;
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  if (request.headers['content-length'] === '0' || request.headers['content-type'] === undefined) {
    return {};
  }
  return readJsonObject(request);
}

/** Returns true when `host`, a Host header, names `localhost` or an IP address, with or without a port. */
function isAddressHost(host: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return isIPv6(bracketed[1] ?? '');
  const name = host.replace(/:\d+$/, '');
  return name.toLowerCase() === 'localhost' || isIPv4(name);
}

/**
 * Returns why an administration request is refused because a web page may have sent it, or
 * undefined. These routes take no key, so a page open in a browser while the emulator runs could
 * otherwise reset it with a form post, or read its keys through a host name that resolves to
 * loopback (DNS rebinding). Browsers send `Origin` and `Sec-Fetch-Site`; Node and curl do not.
 */
export function crossSiteProblem(request: IncomingMessage): string | undefined {
  const host = request.headers.host ?? '';
  if (host !== '' && !isAddressHost(host)) {
    return `the Host header ${JSON.stringify(host)} is a host name. Use localhost or an IP address, such as 127.0.0.1`;
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `a web page of another site sent this one (Sec-Fetch-Site: ${site})`;
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return `a web page of another site sent this one (Origin: ${origin})`;
  }
  return undefined;
}

/**
 * Handles `/_emulator/...` requests (JSON in, `{ data }` or `{ error }` out):
 * `GET info`, `POST organizations`, `POST libraries`, `POST keys`, `POST reset`, `GET stats`,
 * `DELETE stats`, `GET faults`, `POST faults` (`{ faults: [...] }`, `{ seed }` optional),
 * `DELETE faults`, `GET config`, `POST configure`.
 */
export async function handleAdminRequest(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  admin: EmulatorAdmin,
  info: () => SeedInfo,
): Promise<void> {
  const route = `${request.method ?? ''} ${path.slice(ADMIN_PREFIX.length)}`;
  const problem = crossSiteProblem(request);
  if (problem !== undefined) {
    sendJson(response, 403, { error: { code: 'FORBIDDEN', message: `Rejected ${route}: the administration routes take no request that a web page could send, and ${problem}.` } });
    return;
  }
  try {
    switch (route) {
      case 'GET /info':
        sendData(response, 200, info());
        return;
      case 'POST /organizations': {
        const body = await readBody(request);
        sendData(response, 201, await admin.createOrganization(body as { id: string; name?: string }));
        return;
      }
      case 'POST /libraries': {
        const body = await readBody(request);
        sendData(response, 201, await admin.createLibrary(body as { organizationId: string; id: string; name?: string }));
        return;
      }
      case 'POST /keys': {
        const body = await readBody(request);
        sendData(
          response,
          201,
          await admin.createKey(body as { organizationId: string; libraries: Record<string, AccessLevel> }),
        );
        return;
      }
      case 'POST /reset':
        await admin.reset();
        sendData(response, 200, { reset: true });
        return;
      case 'GET /stats':
        sendData(response, 200, admin.stats());
        return;
      case 'DELETE /stats':
        admin.resetStats();
        sendData(response, 200, admin.stats());
        return;
      case 'GET /faults':
        sendData(response, 200, admin.listFaults());
        return;
      case 'POST /faults': {
        const body = await readBody(request);
        if (body['seed'] !== undefined) {
          admin.seedFaults(body['seed'] as number);
        }
        admin.injectFaults((body['faults'] ?? []) as FaultSpec[]);
        sendData(response, 200, admin.listFaults());
        return;
      }
      case 'DELETE /faults':
        admin.clearFaults();
        sendData(response, 200, []);
        return;
      case 'GET /config':
        sendData(response, 200, admin.config());
        return;
      case 'POST /configure': {
        const body = await readBody(request);
        sendData(response, 200, admin.configure(body));
        return;
      }
      default:
        sendError(response, new ApiError(404, 'ENDPOINT_NOT_FOUND', `No administration endpoint matches ${route}.`));
    }
  } catch (error) {
    if (error instanceof AdminError) {
      sendJson(response, error.status, {
        error: { code: error.status === 404 ? 'RESOURCE_NOT_FOUND' : error.status === 409 ? 'CONFLICT' : 'BAD_USER_INPUT', message: error.message },
      });
      return;
    }
    throw error;
  }
}
