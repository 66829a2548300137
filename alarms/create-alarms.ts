// Composition of the alarm capability from config: rules (built-in or ALERT_RULES_FILE) and the configured notification channels.
import { type Config, ConfigError } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { GeofenceSource } from '../geofences/follower.js';
import { AlarmService } from './alarm-service.js';
import { EmailSender } from './notify/email.js';
import type { NoticeSender } from './notify/sender.js';
import { WebhookSender } from './notify/webhook.js';
import { BUILT_IN_RULES, type RuleSet } from './rules.js';
import { loadRulesFile, RulesFileError } from './rules-file.js';
import type { SpeedLimits } from './speed-limits.js';

/** The rules in force; a bad file is a config error (one line per bad field) and stops the start. */
export function ruleSetFor(config: Config): RuleSet {
  const file = config.alerts.rulesFile;
  if (file === undefined) return BUILT_IN_RULES;
  try {
    return loadRulesFile(file);
  } catch (err) {
    if (err instanceof RulesFileError) throw new ConfigError(err.lines);
    throw err;
  }
}

export function noticeSenders(config: Config): NoticeSender[] {
  const { webhookUrl, smtpUrl, emailFrom, emailTo } = config.alerts;
  const senders: NoticeSender[] = [];
  if (webhookUrl !== undefined) senders.push(new WebhookSender(webhookUrl));
  if (smtpUrl !== undefined)
    senders.push(new EmailSender({ smtpUrl, from: emailFrom, to: emailTo }));
  return senders;
}

export function createAlarmService(
  config: Config,
  log: Logger,
  limits: SpeedLimits,
  geofences?: GeofenceSource,
): AlarmService {
  return new AlarmService(
    {
      statePath: config.collectorStatePath,
      rules: ruleSetFor(config),
      parkedIntervalMs: config.sim.parkedIntervalS * 1000,
    },
    {
      senders: noticeSenders(config),
      limits,
      geofences,
      now: Date.now,
      log: log.child({ component: 'alarms' }),
    },
  );
}
