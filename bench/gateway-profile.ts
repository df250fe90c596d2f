/**
 * Reads a V8 CPU profile (the format of `node --cpu-prof` and of the inspector's Profiler.stop)
 * into what `npm run bench:gateway` reports: the top functions by self time, self time by
 * component (a native frame counts for the component that called it), and the inclusive time of
 * Tollgate's own functions, each in µs per request.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  usPerRequest: number;
  share: number;
}

export interface ProfileSummary {
  /** CPU time sampled (idle excluded), in µs per request. */
  busyUsPerRequest: number;
  topSelf: ProfileLine[];
  byComponent: ProfileLine[];
  /** Inclusive time of functions under packages/ (Tollgate's own code). */
  tollgateInclusive: ProfileLine[];
}

const ROOT = new URL('../', import.meta.url).href;

/** First match wins: where a frame's code lives, by URL. */
const COMPONENTS: [RegExp, string][] = [
  [/\/packages\/server\/src\/gateway\//, 'tollgate gateway (server/src/gateway)'],
  [/\/packages\/server\//, 'tollgate server (app, errors)'],
  [/\/packages\/storage\/|better-sqlite3/, 'storage + ledger (packages/storage, better-sqlite3)'],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-)/, 'pg driver'],
  [/\/packages\/domain\//, 'domain (ledger decide, money, ids)'],
  [/gpt-tokenizer/, 'tokenizer (gpt-tokenizer)'],
  [/\/packages\/providers\//, 'providers (adapter, usage, SSE tap)'],
  [/node_modules\/zod\//, 'zod'],
  [/node_modules\/@hono\/node-server\//, '@hono/node-server (IncomingMessage ↔ Request/Response)'],
  [/node_modules\/hono\//, 'hono (router, context, compose)'],
  [/node_modules\/undici\//, 'undici (upstream client)'],
  [/^node:internal\/deps\/undici\//, 'Web Request/Response/Headers (Node built-in undici)'],
  [/^node:internal\/webstreams\//, 'Web streams (ReadableStream)'],
  [/^node:(_http_|http$|internal\/http)/, 'node:http'],
  [
    /^node:(net|internal\/stream_base_commons|stream$|internal\/streams\/|internal\/net)/,
    'node net + streams',
  ],
  [/^node:internal\/crypto\//, 'node:crypto (key digest, ids)'],
  [/^node:internal\/(process\/task_queues|timers|async_hooks)|^node:timers/, 'node task queues + timers'],
  [
    /^node:internal\/(util|errors|url|abort_controller|event_target)|^node:(events|url|buffer)$|^node:internal\/buffer/,
    'node util, events, buffer, AbortController',
  ],
  [/^node:/, 'node (other)'],
];

function component(url: string): string | null {
  if (!url) return null;
  for (const [pattern, name] of COMPONENTS) if (pattern.test(url)) return name;
  return 'other JS';
}

const SPECIAL = new Map([
  ['(garbage collector)', 'GC'],
  ['(program)', '(program: V8/native, no JS frame)'],
]);

function frameName(frame: CallFrame): string {
  const url = frame.url.startsWith(ROOT) ? frame.url.slice(ROOT.length) : frame.url;
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '');
  const name = frame.functionName || '(anonymous)';
  if (!short) return `${name} (native)`;
  // tsx's output puts a module's code on one line: a line number there says nothing.
  return short.endsWith('.ts') ? `${name} ${short}` : `${name} ${short}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(profile: CpuProfile, requests: number, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // A sample's time is the gap to the next sample.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const deltaUs = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + deltaUs);
  }

  const componentOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = componentOf.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    const special = SPECIAL.get(node.callFrame.functionName);
    const own = special ?? component(node.callFrame.url);
    const up = parent.get(id);
    const found = own ?? (up === undefined ? 'native (no caller)' : resolve(up));
    componentOf.set(id, found);
    return found;
  };

  let busyUs = 0;
  const selfByName = new Map<string, number>();
  const selfByComponent = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(root)') continue;
    busyUs += us;
    const name = SPECIAL.get(node.callFrame.functionName) ?? frameName(node.callFrame);
    selfByName.set(name, (selfByName.get(name) ?? 0) + us);
    const comp = resolve(id);
    selfByComponent.set(comp, (selfByComponent.get(comp) ?? 0) + us);
  }

  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!frame.url.startsWith(ROOT) || frame.url.includes('/node_modules/')) continue;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }

  const lines = (map: Map<string, number>, count: number): ProfileLine[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => ({ name, usPerRequest: us / requests, share: us / busyUs }));
  return {
    busyUsPerRequest: busyUs / requests,
    topSelf: lines(selfByName, top),
    byComponent: lines(selfByComponent, Number.POSITIVE_INFINITY),
    tollgateInclusive: lines(inclusive, top),
  };
}
