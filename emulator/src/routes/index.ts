import type { RouteDefinition } from '../context';
import { assetRoutes } from './assets';
import { libraryRoutes } from './libraries';
import { meRoutes } from './me';
import { searchRoutes } from './search';
import { tagRoutes } from './tags';
import { transferRoutes } from './transfer';
import { uploadRoutes } from './upload';

/**
 * Every Raster route. Literal segments (`assets/tag`, `assets/untag`, `assets/transfer`) come
 * before the `assets/:assetId` pattern, because the router takes the first match.
 */
export const rasterRoutes: RouteDefinition[] = [
  ...meRoutes,
  ...libraryRoutes,
  ...tagRoutes,
  ...transferRoutes,
  ...uploadRoutes,
  ...assetRoutes,
  ...searchRoutes,
];
