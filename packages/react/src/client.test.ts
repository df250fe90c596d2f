import { describe, expect, it } from 'vitest';
import { createCustomerClient } from './client.ts';

describe('customer client', () => {
  it('names a usage group by its column value, as the API sends groups as objects', async () => {
    const body = {
      data: [
        {
          bucket: '2030-01-01',
          group: { feature: 'chat' },
          requests: 2,
          input_tokens: 10,
          output_tokens: 5,
          price: 7,
        },
        {
          bucket: '2030-01-01',
          group: { feature: null },
          requests: 1,
          input_tokens: 1,
          output_tokens: 1,
          price: 1,
        },
        { bucket: '2030-01-02', requests: 1, input_tokens: 1, output_tokens: 1, price: 1 },
      ],
    };
    const seen: string[] = [];
    const client = createCustomerClient({
      baseUrl: 'http://tollgate.test',
      token: 'tok',
      customerId: 'acme',
      fetch: async (url) => {
        seen.push(String(url));
        return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
      },
    });
    const rows = await client.usage({
      from: '2030-01-01T00:00:00Z',
      to: '2030-01-03T00:00:00Z',
      granularity: 'day',
      groupBy: 'feature',
    });
    expect(rows.map((r) => r.group)).toEqual(['chat', null, undefined]);
    expect(seen[0]).toContain('/api/v1/customers/acme/usage?');
  });
});
