import { describe } from 'vitest';
import { determinism } from './defs/determinism';
import { propertyTest } from './vitest';

describe('determinism', () => {
  propertyTest(determinism);
});
