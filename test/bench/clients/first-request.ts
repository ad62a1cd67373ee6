/**
 * Baseline of the action's start time: a Node process that does nothing but send one request,
 * `GET /me`, so its start-to-first-request time is Node's own start-up plus fetch.
 */
import { API_VERSION, readSettings } from './environment';

const settings = readSettings();
const response = await fetch(new URL('/me', settings.assetsUrl), {
  headers: { authorization: `Bearer ${settings.apiKey}`, 'api-version': API_VERSION },
});
await response.text();
