import { type AlertPayload, describeAlert } from './payload.ts';
import { postJson, type SendResult } from './send.ts';

/** Slack's limit on a section's fields. */
const SLACK_FIELDS_MAX = 10;

/**
 * A Slack incoming-webhook message in Block Kit: a header, the summary with its facts as fields,
 * and a context line naming the event. `text` is the fallback notifications show.
 */
export function slackMessage(payload: AlertPayload, deliveryId: string) {
  const message = describeAlert(payload);
  return {
    text: `${message.title}: ${message.summary}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Tollgate: ${message.title}` } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: message.summary },
        fields: message.facts
          .slice(0, SLACK_FIELDS_MAX)
          .map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${value}` })),
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `\`${payload.type}\` · ${payload.timestamp} · ${deliveryId}` }],
      },
    ],
  };
}

export function sendSlack(
  webhookUrl: string,
  payload: AlertPayload,
  deliveryId: string,
): Promise<SendResult> {
  return postJson(webhookUrl, JSON.stringify(slackMessage(payload, deliveryId)), {}, [webhookUrl]);
}
