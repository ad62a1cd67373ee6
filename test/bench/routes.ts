/** Names of the emulator's routes in `admin.stats().byRoute`. */

export const UPLOAD_ROUTE = 'upload';
export const LIST_ASSETS_ROUTE = 'list-assets';
export const TAG_ROUTE = 'tag-assets';

/** Requests a side sent to one route. */
export function routeRequests(byRoute: Record<string, number> | undefined, route: string): number {
  return byRoute?.[route] ?? 0;
}

/** Lists the requests of a side by route, busiest first, such as `tag-assets 50, upload 3`. */
export function describeRoutes(byRoute: Record<string, number> | undefined): string {
  return Object.entries(byRoute ?? {})
    .sort(([, left], [, right]) => right - left)
    .map(([route, count]) => `${route} ${count}`)
    .join(', ');
}
