/** What the demo backend's `/demo/session` answers: a freshly minted customer token and where to use it. */
export interface DemoSession {
  base_url: string;
  token: string;
  expires_at: string;
  customer_id: string;
  other_customer_id: string;
}

/** The page's knobs, from its query string, so tests and screenshots can open any state. */
export interface PageOptions {
  theme: 'light' | 'dark';
  /** Read another customer than the token's (the 403 case). */
  customerId: string | undefined;
  /** A short-lived token (the expired case). */
  ttlS: string | null;
  /** A token minted elsewhere (by a test), used instead of the backend's. */
  token: string | null;
}

export function pageOptions(search: string): PageOptions {
  const params = new URLSearchParams(search);
  return {
    theme: params.get('theme') === 'dark' ? 'dark' : 'light',
    customerId: params.get('customer') ?? undefined,
    ttlS: params.get('ttl_s'),
    token: params.get('token'),
  };
}

export async function fetchSession(ttlS: string | null): Promise<DemoSession> {
  const response = await fetch(ttlS ? `/demo/session?ttl_s=${encodeURIComponent(ttlS)}` : '/demo/session');
  if (!response.ok) throw new Error(`the demo backend answered ${response.status}`);
  return (await response.json()) as DemoSession;
}

/** What `/demo/call` answers: the gateway's status and the price it charged. */
export interface CallResult {
  status: number;
  price: string | null;
  balance: string | null;
}

export async function makeCall(): Promise<CallResult> {
  const response = await fetch('/demo/call', { method: 'POST' });
  return (await response.json()) as CallResult;
}
