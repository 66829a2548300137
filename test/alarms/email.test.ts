// E-mail notifications through nodemailer to a real SMTP server (smtp-server on a free port): subject, body, envelope, grouping.
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmailSender } from '../../alarms/notify/email.js';
import type { Collector } from '../../collector/collector.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort } from '../../harness/ports.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { alarmCollector, Publisher, writeRules } from './helpers.js';

interface Mail {
  from: string | undefined;
  to: string[];
  headers: Record<string, string>;
  body: string;
}

const RULES = `
notify: {group_wait: 1500ms, retry_initial: 200ms, retry_max: 1s}
rules:
  - {name: overspeed, type: threshold, severity: major, above: speed_limit, for: 1s, clear_margin: 10, clear_for: 1s}
`;

let broker: MosquittoProcess;
let smtp: SMTPServer;
let pub: Publisher;
let collector: Collector;
const mails: Mail[] = [];

/** Headers (unfolded) and the body, quoted-printable decoded when so encoded. */
function parse(raw: string, from: string | undefined, to: string[]): Mail {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = rest.join('\r\n\r\n');
  if (headers['content-transfer-encoding'] === 'quoted-printable') {
    body = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
  }
  return { from, to, headers, body: body.replace(/\r\n/g, '\n') };
}

beforeAll(async () => {
  const dir = tempDir();
  broker = new MosquittoProcess({ dir });
  const port = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined;
        const to = session.envelope.rcptTo.map((r) => r.address);
        mails.push(parse(Buffer.concat(chunks).toString('utf8'), from, to));
        callback();
      });
    },
  });
  await Promise.all([broker.start(), new Promise<void>((r) => smtp.listen(port, '127.0.0.1', r))]);
  const config = testConfig(dir, broker.port, {
    ALERT_RULES_FILE: writeRules(dir, RULES),
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    ALERT_EMAIL_FROM: 'fleet@telemetry.test',
    ALERT_EMAIL_TO: 'ops@telemetry.test, duty@telemetry.test',
  });
  const { smtpUrl, emailFrom, emailTo } = config.alerts;
  collector = alarmCollector(config, [
    new EmailSender({ smtpUrl: smtpUrl as string, from: emailFrom, to: emailTo }),
  ]).collector;
  await collector.start();
  await collector.subscribed;
  pub = await Publisher.connect(broker.port);
});

afterAll(async () => {
  await pub?.end();
  await collector?.stop();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await broker?.stop();
  removeTempDirs();
});

const mailCount = (n: number) =>
  waitFor(
    () => mails.length,
    (m) => m >= n,
    { what: `${n} e-mails`, timeoutMs: 15_000 },
  );

it('mails an open and a clear: subject, body, sender and recipients', async () => {
  await pub.drive('vehicle_01', 121.5, 15);
  await mailCount(1);
  const firing = mails[0] as Mail;
  expect(firing.from).toBe('fleet@telemetry.test');
  expect(firing.to).toEqual(['ops@telemetry.test', 'duty@telemetry.test']);
  expect(firing.headers.subject).toBe('[FIRING] overspeed on vehicle_01 (major)');
  expect(firing.headers['message-id']).toMatch(/^<[0-9a-f-]{36}@vehicle-telemetry>$/);
  const id = /alarm ([0-9a-f-]{36})/.exec(firing.body)?.[1];
  expect(firing.body).toMatch(
    new RegExp(
      [
        '^FIRING: overspeed on vehicle_01 \\(major\\)',
        '  speed 121\\.5 km/h above 110 km/h for 1 s or more',
        '  value: 121\\.5',
        '  started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z',
        `  alarm ${id}`,
        '',
        '-- ',
        'vehicle telemetry collector \\(notification [0-9a-f-]{36}\\)',
      ].join('\\n'),
    ),
  );
  await pub.drive('vehicle_01', 90, 15);
  await mailCount(2);
  const resolved = mails[1] as Mail;
  expect(resolved.headers.subject).toBe('[RESOLVED] overspeed on vehicle_01 (major)');
  expect(resolved.body).toContain(
    'RESOLVED: overspeed on vehicle_01 (major)\n  speed 121.5 km/h above 110 km/h for 1 s or more; cleared: speed back at or below 100 km/h for 1 s\n',
  );
  expect(resolved.body).toMatch(/ {2}started \S+Z, cleared \S+Z\n/);
  expect(resolved.body).toContain(`  alarm ${id}\n`);
});

it('groups notices raised within group_wait into one mail', async () => {
  const before = mails.length;
  await Promise.all([pub.drive('vehicle_02', 130, 15), pub.drive('vehicle_03', 125, 15)]);
  await mailCount(before + 1);
  await new Promise((r) => setTimeout(r, 2000));
  expect(mails.length).toBe(before + 1);
  const grouped = mails[before] as Mail;
  expect(grouped.headers.subject).toBe('[FIRING:2] vehicle telemetry alarms');
  expect(grouped.body).toContain('FIRING: overspeed on vehicle_02 (major)');
  expect(grouped.body).toContain('FIRING: overspeed on vehicle_03 (major)');
});
