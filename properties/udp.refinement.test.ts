import { describe } from 'vitest';
import { udpRefinement } from './defs/udp.refinement';
import { propertyTest } from './vitest';

describe('udp.refinement', () => {
  propertyTest(udpRefinement);
});
