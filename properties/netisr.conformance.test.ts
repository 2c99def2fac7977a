import { describe } from 'vitest';
import { netisrConformance } from './defs/netisr.conformance';
import { propertyTest } from './vitest';

describe('netisr.conformance', () => {
  propertyTest(netisrConformance);
});
