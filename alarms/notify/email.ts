// The e-mail channel: one message per batch through nodemailer to SMTP_URL; only the server's acceptance counts as delivered.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Batch } from '../store/outbox-rows.js';
import { emailBody, emailSubject } from './email-text.js';
import type { NoticeSender } from './sender.js';

export interface EmailOptions {
  /** smtp:// or smtps://, credentials in the URL if the server needs them. */
  smtpUrl: string;
  from: string;
  to: readonly string[];
}

export class EmailSender implements NoticeSender {
  readonly channel = 'email';
  private transport: Transporter | undefined;

  constructor(private readonly options: EmailOptions) {}

  async send(batch: Batch): Promise<void> {
    this.transport ??= nodemailer.createTransport({
      url: this.options.smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    await this.transport.sendMail({
      from: this.options.from,
      to: [...this.options.to],
      subject: emailSubject(batch),
      text: emailBody(batch),
      // The same on every retry of this batch: mail clients and archives can spot a repeat.
      messageId: `<${batch.id}@vehicle-telemetry>`,
    });
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}
