import { emptyBody, idParams, listOf, pageQuery } from '../fields.ts';
import { defineRoute } from '../route.ts';
import {
  alertChannelSchema,
  alertDeliverySchema,
  alertRuleSchema,
  createAlertChannelBody,
  createAlertRuleBody,
  listAlertDeliveriesQuery,
  listAlertRulesQuery,
} from './alerts.ts';

/**
 * The routes of alert channels, rules and the delivery log (spread into adminRoutes).
 *
 * @example
 * alertRoutes.createAlertRule.path; // '/alert-rules'
 */
export const alertRoutes = {
  createAlertChannel: defineRoute({
    method: 'post',
    path: '/alert-channels',
    operationId: 'createAlertChannel',
    summary: 'Add a place alerts go: email, Slack or a signed webhook',
    description:
      "A webhook's signing secret (whsec_…) is generated when absent and shown in this answer only. With customer_id, the channel receives only that customer's alerts.",
    tags: ['alerts'],
    auth: true,
    idempotent: false,
    body: createAlertChannelBody,
    status: 201,
    response: alertChannelSchema,
    errors: ['customer_not_found', 'resource_already_exists'],
  }),
  listAlertChannels: defineRoute({
    method: 'get',
    path: '/alert-channels',
    operationId: 'listAlertChannels',
    summary: 'List alert channels (never their secrets)',
    tags: ['alerts'],
    auth: true,
    idempotent: false,
    query: pageQuery,
    status: 200,
    response: listOf(alertChannelSchema),
    errors: [],
  }),
  testAlertChannel: defineRoute({
    method: 'post',
    path: '/alert-channels/{id}/test',
    operationId: 'testAlertChannel',
    summary: 'Send a test message to a channel now',
    description:
      'Sends an `alert.test` event once, now, and answers with the delivery and its attempt. It is not retried.',
    tags: ['alerts'],
    auth: true,
    idempotent: false,
    params: idParams,
    body: emptyBody,
    status: 200,
    response: alertDeliverySchema,
    errors: ['alert_channel_not_found'],
  }),
  createAlertRule: defineRoute({
    method: 'post',
    path: '/alert-rules',
    operationId: 'createAlertRule',
    summary: 'Add an alert rule',
    description:
      'Evaluated after ledger activity and on a schedule, never on the request path. Each rule fires once per crossing (balance rules, re-armed when the balance recovers) or once per period (the others).',
    tags: ['alerts'],
    auth: true,
    idempotent: false,
    body: createAlertRuleBody,
    status: 201,
    response: alertRuleSchema,
    errors: ['customer_not_found', 'alert_channel_not_found', 'customer_mismatch', 'resource_already_exists'],
  }),
  listAlertRules: defineRoute({
    method: 'get',
    path: '/alert-rules',
    operationId: 'listAlertRules',
    summary: 'List alert rules',
    tags: ['alerts'],
    auth: true,
    idempotent: false,
    query: listAlertRulesQuery,
    status: 200,
    response: listOf(alertRuleSchema),
    errors: [],
  }),
  listAlertDeliveries: defineRoute({
    method: 'get',
    path: '/alert-deliveries',
    operationId: 'listAlertDeliveries',
    summary: 'Read the delivery log, oldest first',
    tags: ['alerts'],
    auth: true,
    idempotent: false,
    query: listAlertDeliveriesQuery,
    status: 200,
    response: listOf(alertDeliverySchema),
    errors: [],
  }),
};
