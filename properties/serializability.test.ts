import { describe } from 'vitest';
import { serializability } from './defs/serializability';
import { propertyTest } from './vitest';

describe('serializability', () => {
  propertyTest(serializability);
});
