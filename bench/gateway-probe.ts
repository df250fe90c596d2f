/** Preloaded into a peer gateway's process (`node --import tsx --import …/gateway-probe.ts`). */
import { installCpuProbe } from './gateway-ipc.ts';

installCpuProbe(true);
