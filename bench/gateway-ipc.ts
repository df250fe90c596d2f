/**
 * Messages between `npm run bench:gateway` and the gateway processes it forks. The CPU probe is
 * also preloaded into Portkey's process (`--import`), so that both gateways report their own
 * process.cpuUsage() the same way.
 */

export interface VerifyReport {
  violations: number;
  firstViolation: string | null;
  /** Calls charged by a capture (of their own hold or of their part of a lease), open holds, and holds expired or released that are not leases. */
  captured: number;
  openHolds: number;
  otherHolds: number;
  /** Leases taken (holds shared by calls); absent from versions without them. */
  leases?: number;
  usageEvents: number;
  estimatedEvents: number;
  /** Grant minus the wallet's posted balance, and the sum of the usage events' prices. */
  debitedMicros: string;
  pricedMicros: string;
  pendingMicros: string;
}

export type ParentMessage =
  | { type: 'cpu' }
  | { type: 'verify' }
  | { type: 'profile-start' }
  | { type: 'profile-stop' }
  | { type: 'exit' };

export type ChildMessage =
  | { type: 'ready'; port: number; key: string }
  | { type: 'cpu'; userUs: number; systemUs: number }
  | { type: 'verify'; report: VerifyReport }
  | { type: 'profile-started' }
  | { type: 'profile'; profile: string };

/** Answers `cpu` with this process's CPU time, and ends the process on `exit` if nothing else does. */
export function installCpuProbe(exitOnRequest = false): void {
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'cpu', userUs: usage.user, systemUs: usage.system } satisfies ChildMessage);
    } else if (message.type === 'exit' && exitOnRequest) {
      process.exit(0);
    }
  });
}
