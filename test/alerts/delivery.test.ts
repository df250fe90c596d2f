import type { AddressInfo } from 'node:net';
import { alertsStore, Ledger, openStore } from '@tollgate/storage';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { type Answer, TEST_ADMIN_KEY } from '../../packages/server/src/admin/test-client.ts';
import { type AlertsRuntime, startAlerts } from '../../packages/server/src/alerts/service.ts';
import { createApp } from '../../packages/server/src/app.ts';
import { seedWallet } from '../fixtures/wallets.ts';
import { describeStores } from '../stores.ts';
import { startReceiver, waitFor } from './support.ts';

const USD = 1_000_000n;
const SMTP_USER = 'alerts';
const SMTP_PASSWORD = 'smtp-pass-never-logged';
const TOLLGATE_SECRET = 'alerts-test-secret-0123456789abcdef';
const FAST = { pollMs: 10, backoffBaseMs: 20, backoffMaxMs: 200, attemptsMax: 4 };

interface Mail {
  subject: string | undefined;
  to: string;
  text: string;
  event: string;
}

/** A real SMTP server that demands a login and parses what it receives. */
async function startSmtp() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: SMTP_USER });
      else callback(new Error('bad login'));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
          mails.push({
            subject: mail.subject,
            to,
            text: mail.text ?? '',
            event: String(mail.headers.get('x-tollgate-event')),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeStores('alert delivery', (ctx) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let logged: string[];
  let runtimes: AlertsRuntime[];
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp?.close();
  });
  afterEach(async () => {
    await Promise.all(runtimes.map((r) => r.close()));
    // No secret ever reaches a log line.
    for (const secret of [SMTP_PASSWORD, 'whsec_', TOLLGATE_SECRET])
      expect(logged.join('\n')).not.toContain(secret);
  });

  function env(): NodeJS.ProcessEnv {
    return {
      TOLLGATE_SECRET,
      TOLLGATE_SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      TOLLGATE_SMTP_FROM: 'Tollgate <alerts@tollgate.test>',
    };
  }

  /** The admin API over this store with an alert runtime (engine and worker started unless said). */
  function setUp(store = ctx.store, autostart = true) {
    const ledger = new Ledger(store);
    const alerts = startAlerts({
      store,
      ledger,
      env: env(),
      engine: { debounceMs: 1 },
      worker: FAST,
      autostart,
      log: (line) => logged.push(line),
    });
    runtimes.push(alerts);
    const app = createApp({ store, ledger, authorizeAdmin: async (t) => t === TEST_ADMIN_KEY, alerts });
    const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
      const response = await app.request(`/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
    };
    return { ledger, alerts, call };
  }

  beforeEach(() => {
    logged = [];
    runtimes = [];
  });

  it('signs webhooks per Standard Webhooks, retries a receiver that answers 500 twice, and logs every attempt', async () => {
    const receiver = await startReceiver([500, 500]);
    try {
      const { ledger, call } = setUp();
      const { customerId, walletId } = await seedWallet(ctx.store, ledger, 10n * USD);
      const channel = await call('POST', '/alert-channels', {
        kind: 'webhook',
        customer_id: customerId,
        config: { url: `${receiver.url}/hooks` },
      });
      expect(channel.status).toBe(201);
      expect(channel.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      const secret: string = channel.body.secret;
      // Stored sealed; never listed again.
      const stored = await alertsStore(ctx.store).getChannel(channel.body.id);
      expect(JSON.stringify(stored)).not.toContain(secret.slice(6));
      const listed = await call('GET', '/alert-channels');
      expect(listed.text).not.toContain(secret.slice(6));

      const rule = await call('POST', '/alert-rules', {
        kind: 'balance_below',
        customer_id: customerId,
        threshold: 5 * 1_000_000,
        channel_ids: [channel.body.id],
      });
      expect(rule.status).toBe(201);
      expect(rule.body).toMatchObject({
        kind: 'balance_below',
        threshold: 5_000_000,
        customer_id: customerId,
      });

      await ledger.submit({ command: { kind: 'deduct', walletId, amount: 6n * USD } });
      await waitFor(() => receiver.received.length >= 3);
      const deliveries = await call('GET', `/alert-deliveries?rule_id=${rule.body.id}`);
      await waitFor(
        async () =>
          (await call('GET', `/alert-deliveries?rule_id=${rule.body.id}`)).body.data[0]?.status ===
          'delivered',
      );
      const log = (await call('GET', `/alert-deliveries?rule_id=${rule.body.id}`)).body.data;
      expect(deliveries.status).toBe(200);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({
        status: 'delivered',
        attempts: 3,
        last_status_code: 200,
        type: 'wallet.low_balance',
      });
      expect(log[0].attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);

      // Three tries of one delivery: the same webhook-id, each signature valid for an independent verifier.
      expect(receiver.received).toHaveLength(3);
      const verifier = new Webhook(secret);
      for (const request of receiver.received) {
        expect(request.headers['webhook-id']).toBe(log[0].id);
        const verified = verifier.verify(request.body, request.headers as Record<string, string>);
        expect(verified).toMatchObject({
          type: 'wallet.low_balance',
          data: { wallet_id: walletId, customer_id: customerId, available: 4_000_000, threshold: 5_000_000 },
        });
      }
      expect(() =>
        new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
          receiver.received[0]!.body,
          receiver.received[0]!.headers as Record<string, string>,
        ),
      ).toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('emails through a real SMTP server, posts Block Kit to Slack, and test-sends', async () => {
    const slack = await startReceiver();
    try {
      const { ledger, call } = setUp();
      const { customerId, walletId } = await seedWallet(ctx.store, ledger, 3n * USD);
      const email = await call('POST', '/alert-channels', {
        kind: 'email',
        config: { to: ['finance@vendor.test'] },
      });
      const manager = await call('POST', '/alert-channels', {
        kind: 'email',
        customer_id: customerId,
        config: { to: ['manager@customer.test'] },
      });
      const slackChannel = await call('POST', '/alert-channels', {
        kind: 'slack',
        config: { webhook_url: `${slack.url}/services/T000/B000/XXXX` },
      });
      expect(slackChannel.status).toBe(201);
      expect(slackChannel.body.config.webhook_url).not.toContain('XXXX');
      const rule = await call('POST', '/alert-rules', {
        kind: 'wallet_empty',
        customer_id: customerId,
        channel_ids: [email.body.id, manager.body.id, slackChannel.body.id],
      });
      expect(rule.status).toBe(201);

      await ledger.submit({ command: { kind: 'deduct', walletId, amount: 3n * USD } });
      await waitFor(
        () => smtp.mails.filter((m) => m.text.includes(walletId)).length >= 2 && slack.received.length >= 1,
      );
      const mails = smtp.mails.filter((m) => m.text.includes(walletId));
      expect(mails.map((m) => m.to).sort()).toEqual(['finance@vendor.test', 'manager@customer.test']);
      expect(mails[0]).toMatchObject({ subject: '[Tollgate] Wallet empty', event: 'wallet.empty' });
      expect(mails[0]!.text).toContain('0.00 usd');

      const message = JSON.parse(slack.received[0]!.body);
      expect(slack.received[0]!.path).toBe('/services/T000/B000/XXXX');
      expect(message.text).toContain('Wallet empty');
      expect(message.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'context']);
      expect(message.blocks[0].text).toEqual({ type: 'plain_text', text: 'Tollgate: Wallet empty' });
      expect(message.blocks[1].fields).toContainEqual({ type: 'mrkdwn', text: `*Wallet*\n${walletId}` });

      const test = await call('POST', `/alert-channels/${slackChannel.body.id}/test`);
      expect(test.status).toBe(200);
      expect(test.body).toMatchObject({
        type: 'alert.test',
        status: 'delivered',
        attempts: 1,
        event_id: null,
      });
      expect(JSON.parse(slack.received.at(-1)!.body).blocks[0].text.text).toBe('Tollgate: Test alert');
      const mailTest = await call('POST', `/alert-channels/${email.body.id}/test`);
      expect(mailTest.body.status).toBe('delivered');
      await waitFor(() => smtp.mails.some((m) => m.subject === '[Tollgate] Test alert'));
      expect((await call('POST', '/alert-channels/ach_nothing/test')).status).toBe(404);
    } finally {
      await slack.close();
    }
  });

  it('delivers exactly once across a restart between the crossing and the delivery', async () => {
    const receiver = await startReceiver();
    try {
      // First process: the engine sees the crossing; it stops before its worker sends anything.
      const first = setUp(openStore(ctx.url), false);
      const { customerId, walletId } = await seedWallet(ctx.store, first.ledger, 10n * USD);
      const channel = await first.call('POST', '/alert-channels', {
        kind: 'webhook',
        config: { url: receiver.url },
      });
      const rule = await first.call('POST', '/alert-rules', {
        kind: 'balance_below',
        customer_id: customerId,
        threshold: '5000000',
        channel_ids: [channel.body.id],
      });
      first.alerts.engine.start();
      await first.ledger.submit({ command: { kind: 'deduct', walletId, amount: 8n * USD } });
      await first.alerts.engine.settle();
      await first.alerts.close();
      const pending = await alertsStore(ctx.store).listDeliveries({ ruleId: rule.body.id, limit: 10 });
      expect(pending).toMatchObject([{ status: 'pending', attempts: 0 }]);
      expect(receiver.received).toHaveLength(0);

      // Second process, on a new connection: its worker finds the delivery and sends it once; its
      // engine, seeing the same crossing, fires nothing new.
      const store = openStore(ctx.url);
      try {
        const second = setUp(store);
        await second.alerts.engine.runNow();
        await waitFor(() => receiver.received.length >= 1);
        await second.alerts.worker.runOnce();
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(receiver.received).toHaveLength(1);
        expect(receiver.received[0]!.headers['webhook-id']).toBe(pending[0]!.id);
        new Webhook(channel.body.secret).verify(
          receiver.received[0]!.body,
          receiver.received[0]!.headers as Record<string, string>,
        );
        const log = await second.call('GET', `/alert-deliveries?rule_id=${rule.body.id}&status=delivered`);
        expect(log.body.data).toHaveLength(1);
        await second.alerts.close();
      } finally {
        await store.close();
      }
    } finally {
      await receiver.close();
    }
  });

  it('refuses bad input naming the field, writing nothing', async () => {
    const { call } = setUp();
    const channel = await call('POST', '/alert-channels', {
      kind: 'email',
      config: { to: ['ops@vendor.test'] },
    });
    const cases: [unknown, string, string][] = [
      [{ kind: 'sms', config: {} }, '/alert-channels', 'kind'],
      [{ kind: 'email', config: { to: ['not-an-email'] } }, '/alert-channels', 'config.to.0'],
      [
        { kind: 'slack', config: { webhook_url: 'http://hooks.slack.com/x' } },
        '/alert-channels',
        'config.webhook_url',
      ],
      [
        { kind: 'webhook', config: { url: 'https://x.test', secret: 'whsec_short' } },
        '/alert-channels',
        'config.secret',
      ],
      [
        { kind: 'email', customer_id: 'nobody', config: { to: ['a@b.test'] } },
        '/alert-channels',
        'customer_id',
      ],
      [{ kind: 'balance_below', channel_ids: [channel.body.id] }, '/alert-rules', 'threshold'],
      [
        { kind: 'balance_below', threshold: 1.5, channel_ids: [channel.body.id] },
        '/alert-rules',
        'threshold',
      ],
      [
        { kind: 'spend_rate', amount: 10, window: 'week', channel_ids: [channel.body.id] },
        '/alert-rules',
        'window',
      ],
      [{ kind: 'wallet_empty', channel_ids: [] }, '/alert-rules', 'channel_ids'],
      [{ kind: 'wallet_empty', channel_ids: ['ach_missing'] }, '/alert-rules', 'channel_ids.0'],
    ];
    const before = (await call('GET', '/alert-rules')).body.data.length;
    const channelsBefore = (await call('GET', '/alert-channels')).body.data.length;
    for (const [body, path, param] of cases) {
      const answer = await call('POST', path, body);
      expect([400, 404], JSON.stringify(body)).toContain(answer.status);
      expect(answer.body.error.param, JSON.stringify(body)).toBe(param);
    }
    expect((await call('GET', '/alert-rules')).body.data.length).toBe(before);
    expect((await call('GET', '/alert-channels')).body.data.length).toBe(channelsBefore);
  });
});
