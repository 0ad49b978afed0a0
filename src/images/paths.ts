// Where the image contexts live, from a source checkout and from the built package alike.
import path from 'node:path';
import { packageRoot } from '../config/paths.js';

export { packageVersion } from '../config/paths.js';

export const imagesDir = path.join(packageRoot(), 'images');
