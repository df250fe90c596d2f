/**
 * The few admin API calls the demo makes, over plain fetch: the demo's backend plays the vendor's
 * backend, which holds the admin key and never hands it to the browser.
 */
export interface AdminClient {
  post<T>(path: string, body: unknown): Promise<T>;
}

export function adminClient(baseUrl: string, adminKey: string): AdminClient {
  let sequence = 0;
  return {
    async post<T>(path: string, body: unknown): Promise<T> {
      sequence += 1;
      const response = await fetch(`${baseUrl}/api/v1${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${adminKey}`,
          'content-type': 'application/json',
          // Money-moving routes require one; a fresh one per call since every call is meant.
          'idempotency-key': `demo-${process.pid}-${Date.now()}-${sequence}`,
        },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`POST ${path} → ${response.status}: ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

/** What `POST /customer-tokens` returns (docs/customer-api.md). */
export interface CustomerToken {
  token: string;
  expires_at: string;
}

/** Mints a customer token, as a vendor's backend does for each page its customer opens. */
export function mintCustomerToken(
  admin: AdminClient,
  customerId: string,
  ttlS = 900,
): Promise<CustomerToken> {
  return admin.post<CustomerToken>('/customer-tokens', { customer_id: customerId, ttl_s: ttlS });
}
