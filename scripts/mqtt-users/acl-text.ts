// The ACL table (who may publish and read what) rendered as a Mosquitto acl_file; both brokers enforce this one file.
import {
  ALL_VEHICLE_TOPICS,
  ackTopic,
  droppedTopic,
  REGISTRY_TOPIC,
  SPEED_SUBSCRIPTION,
  STATUS_SUBSCRIPTION,
  speedTopic,
  statusTopic,
  TOPIC_ROOT,
} from '../../core/contract.js';
import { COLLECTOR_USER, DASHBOARD_USER } from '../../core/mqtt-credentials.js';

/** docker/'s optional Telegraf collector (the original's alternative): reads readings only. */
export const TELEGRAF_USER = 'telegraf';

/**
 * Explicit `topic` lines per user rather than `pattern write vehicles/%u/speed`: Mosquitto applies
 * pattern lines to every user, so the collector and the dashboard would also get write access to
 * `vehicles/collector/...` and `vehicles/dashboard/...` (a fake vehicle). With one block per
 * device nothing is granted that the table below does not list.
 */
export function aclFileText(deviceIds: readonly string[], generatedAt: string): string {
  const lines = [
    `# acl_file written by \`npm run mqtt-users\` at ${generatedAt}.`,
    '# Enforced by Mosquitto (acl_file) and by the embedded broker (MQTT_ACL_FILE) alike.',
    '# Anything not listed is refused: no anonymous access, no $SYS, no other topics.',
    '',
    '# The collector reads every vehicle topic (one vehicles/# subscription, so stray topics are',
    '# counted) and writes only its end-to-end acks: the one write it needs, because a device',
    '# deletes a queued reading only when the collector confirms that reading is stored.',
    `user ${COLLECTOR_USER}`,
    `topic read ${ALL_VEHICLE_TOPICS}`,
    `topic write ${TOPIC_ROOT}/+/ack`,
    '# It follows the device registry the dashboard publishes (DEVICE_ALLOWLIST, speed limits).',
    `topic read ${REGISTRY_TOPIC}`,
    '',
    '# The dashboard reads live speed and status, and publishes the device registry it owns (a',
    '# retained snapshot): the only user that may write it, so no vehicle can register itself.',
    `user ${DASHBOARD_USER}`,
    `topic read ${SPEED_SUBSCRIPTION}`,
    `topic read ${STATUS_SUBSCRIPTION}`,
    `topic write ${REGISTRY_TOPIC}`,
    '',
    "# docker/'s optional Telegraf collector only reads speed readings.",
    `user ${TELEGRAF_USER}`,
    `topic read ${SPEED_SUBSCRIPTION}`,
    '',
    '# Each device publishes its own speed, status (and last will) and dropped notices, and reads',
    '# only its own acks.',
  ];
  for (const id of deviceIds) {
    lines.push(
      `user ${id}`,
      `topic write ${speedTopic(id)}`,
      `topic write ${statusTopic(id)}`,
      `topic write ${droppedTopic(id)}`,
      `topic read ${ackTopic(id)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
