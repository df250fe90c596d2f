import nodemailer from 'nodemailer';
import { type AlertPayload, describeAlert } from './payload.ts';
import { redact, type SendResult } from './send.ts';

export interface SmtpSettings {
  /** smtp://user:pass@host:587 or smtps://…:465 */
  url: string;
  from: string;
}

/** TOLLGATE_SMTP_URL and TOLLGATE_SMTP_FROM, or null when email is not configured. */
export function smtpFromEnv(env: NodeJS.ProcessEnv): SmtpSettings | null {
  const url = env.TOLLGATE_SMTP_URL;
  if (!url) return null;
  return { url, from: env.TOLLGATE_SMTP_FROM ?? 'Tollgate <alerts@localhost>' };
}

/** The secrets of an SMTP URL, to keep them out of stored errors. */
function smtpSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [url, decodeURIComponent(parsed.password), parsed.password].filter((s) => s.length > 0);
  } catch {
    return [url];
  }
}

export function emailText(payload: AlertPayload): { subject: string; text: string } {
  const message = describeAlert(payload);
  const facts = message.facts.map(([name, value]) => `${name}: ${value}`).join('\n');
  return {
    subject: `[Tollgate] ${message.title}`,
    text: `${message.summary}\n\n${facts}\n\nEvent: ${payload.type} at ${payload.timestamp}\n\n${JSON.stringify(payload, null, 2)}\n`,
  };
}

/** One transport per process: nodemailer pools nothing by default, so this only keeps the parsed URL. */
export class EmailSender {
  private readonly transport: nodemailer.Transporter;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = nodemailer.createTransport(settings.url);
  }

  async send(to: string[], payload: AlertPayload, deliveryId: string): Promise<SendResult> {
    const { subject, text } = emailText(payload);
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to,
        subject,
        text,
        // A stable Message-ID per delivery lets a mail store spot a resend as a duplicate.
        messageId: `<${deliveryId}@tollgate>`,
        headers: { 'X-Tollgate-Event': payload.type },
      });
      return { ok: true, statusCode: null, error: null };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, statusCode: null, error: redact(reason, smtpSecrets(this.settings.url)) };
    }
  }

  close(): void {
    this.transport.close();
  }
}
