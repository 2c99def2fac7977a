import { describe } from 'vitest';
import { udpIntegrity } from './defs/udp.integrity';
import { propertyTest } from './vitest';

describe('udp.integrity', () => {
  propertyTest(udpIntegrity);
});
