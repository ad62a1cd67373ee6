import type { RouteDefinition } from './context';

export interface RouteMatch {
  route: RouteDefinition;
  params: Record<string, string>;
}

/** Splits a request path into decoded segments, or returns null for a malformed escape. */
export function splitPath(path: string): string[] | null {
  const segments = path.split('/').slice(1);
  try {
    return segments.map((segment) => decodeURIComponent(segment));
  } catch {
    return null;
  }
}

/**
 * Finds the route for a method and path. Routes are tried in table order, so literal segments
 * such as `assets/tag` must come before the `assets/:assetId` pattern.
 */
export function matchRoute(routes: RouteDefinition[], method: string, segments: string[]): RouteMatch | null {
  for (const route of routes) {
    if (route.method !== method || route.segments.length !== segments.length) {
      continue;
    }
    const params: Record<string, string> = {};
    const matches = route.segments.every((pattern, index) => {
      const segment = segments[index] ?? '';
      if (pattern.startsWith(':')) {
        params[pattern.slice(1)] = segment;
        return segment.length > 0;
      }
      return pattern === segment;
    });
    if (matches) {
      return { route, params };
    }
  }
  return null;
}
