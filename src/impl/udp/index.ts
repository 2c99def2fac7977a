import type { ProtoEntry } from '../net/protosw';
import { udpCtlcpu, udpCtlinput } from './ctlinput';
import { udpInput } from './input';
import { udpUsrreqs } from './usrreq';

/** UDP's protocol switch entry (`inetsw[]` for IPPROTO_UDP). */
export const udpProtoEntry: ProtoEntry = {
  input: udpInput,
  ctlcpu: udpCtlcpu,
  ctlinput: udpCtlinput,
  usrreqs: udpUsrreqs,
};
