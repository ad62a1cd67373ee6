import type { IncomingMessage, ServerResponse } from 'node:http';
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
