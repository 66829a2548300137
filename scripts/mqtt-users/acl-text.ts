// The ACL table (who may publish and read what) rendered as a Mosquitto acl_file; both brokers enforce this one file.
import {
  ALARM_ACK_TOPIC,
  ALARM_SUBSCRIPTION,
  ALL_VEHICLE_TOPICS,
  ackTopic,
  COMMAND_RESULT_SUBSCRIPTION,
  COMMAND_SUBSCRIPTION,
  commandResultTopic,
  commandTopic,
  droppedTopic,
  HEALTH_SUBSCRIPTION,
  healthTopic,
  REGISTRY_TOPIC,
  SPEED_SUBSCRIPTION,
  STATUS_SUBSCRIPTION,
  speedTopic,
  statusTopic,
  TELEMETRY_SUBSCRIPTION,
  TOPIC_ROOT,
  telemetryTopic,
} from '../../core/contract.js';
import { GEO_EVENTS_TOPIC, GEOFENCES_TOPIC } from '../../core/geo-wire.js';
import { COLLECTOR_USER, DASHBOARD_USER } from '../../core/mqtt-credentials.js';

/** docker/'s optional Telegraf collector (the original's alternative): reads readings only. */
export const TELEGRAF_USER = 'telegraf';

/**
 * Several collectors or dashboards (docs/scaling.md): a broker with `use_username_as_clientid`
 * makes the client id the username, so two instances on one user would take each other's session
 * over and over. Each instance past the first gets its own user with the same rights:
 * collector, collector_2, …; dashboard, dashboard_2, ….
 */
export function instanceUsers(role: string, instances: number): string[] {
  return Array.from({ length: instances }, (_, i) => (i === 0 ? role : `${role}_${i + 1}`));
}

const COLLECTOR_RULES: readonly string[] = [
  `topic read ${ALL_VEHICLE_TOPICS}`,
  `topic write ${TOPIC_ROOT}/+/ack`,
  `topic write ${ALARM_SUBSCRIPTION}`,
  `topic read ${ALARM_ACK_TOPIC}`,
  `topic read ${REGISTRY_TOPIC}`,
  `topic read ${GEOFENCES_TOPIC}`,
  `topic write ${GEO_EVENTS_TOPIC}`,
  "# Commands and their results are between the dashboard and each vehicle: not the collector's.",
  `topic deny ${COMMAND_SUBSCRIPTION}`,
  `topic deny ${COMMAND_RESULT_SUBSCRIPTION}`,
];

const DASHBOARD_RULES: readonly string[] = [
  `topic read ${SPEED_SUBSCRIPTION}`,
  `topic read ${TELEMETRY_SUBSCRIPTION}`,
  `topic read ${STATUS_SUBSCRIPTION}`,
  `topic read ${HEALTH_SUBSCRIPTION}`,
  `topic read ${ALARM_SUBSCRIPTION}`,
  `topic write ${ALARM_ACK_TOPIC}`,
  `topic write ${COMMAND_SUBSCRIPTION}`,
  `topic read ${COMMAND_RESULT_SUBSCRIPTION}`,
  // readwrite: a dashboard with DASHBOARD_REGISTRY=follower reads the owner's snapshot.
  `topic readwrite ${REGISTRY_TOPIC}`,
  // Geofences: published like the registry (followers read the owner's); trip and zone events.
  `topic readwrite ${GEOFENCES_TOPIC}`,
  `topic read ${GEO_EVENTS_TOPIC}`,
];

/**
 * Explicit `topic` lines per user rather than `pattern write vehicles/%u/speed`: Mosquitto applies
 * pattern lines to every user, so the collector and the dashboard would also get write access to
 * `vehicles/collector/...` and `vehicles/dashboard/...` (a fake vehicle). With one block per
 * device nothing is granted that the table below does not list.
 */
export function aclFileText(
  deviceIds: readonly string[],
  generatedAt: string,
  instances = 1,
): string {
  const lines = [
    `# acl_file written by \`npm run mqtt-users\` at ${generatedAt}.`,
    '# Enforced by Mosquitto (acl_file) and by the embedded broker (MQTT_ACL_FILE) alike.',
    '# Anything not listed is refused: no anonymous access, no $SYS, no other topics.',
    '',
    '# The collector reads every vehicle topic (one vehicles/# subscription, so stray topics are',
    '# counted) and writes only its end-to-end acks: the one write it needs, because a device',
    '# deletes a queued reading only when the collector confirms that reading is stored.',
    "# It evaluates the alarm rules: it publishes each alarm's state under fleet/alarms/<device>/<rule>,",
    '# takes acknowledgements from the dashboard, and follows the device registry the dashboard',
    '# publishes (DEVICE_ALLOWLIST, per-vehicle speed limits) and the geofences (fleet/geofences);',
    '# it announces trip, harsh-driving and geofence events on fleet/events.',
    ...instanceUsers(COLLECTOR_USER, instances).flatMap((user) => [
      `user ${user}`,
      ...COLLECTOR_RULES,
    ]),
    '',
    '# The dashboard reads live telemetry, speed, status and health and follows the alarms; it',
    '# acknowledges alarms (to the collector), alone sends commands to vehicles, and reads their',
    '# results. It publishes the device registry it owns (a retained snapshot): the only user that',
    '# may write it, so no vehicle can register itself. It reads it too: a further dashboard',
    "# instance with DASHBOARD_REGISTRY=follower shows the owner's registry.",
    ...instanceUsers(DASHBOARD_USER, instances).flatMap((user) => [
      `user ${user}`,
      ...DASHBOARD_RULES,
    ]),
    '',
    "# docker/'s optional Telegraf collector only reads speed readings.",
    `user ${TELEGRAF_USER}`,
    `topic read ${SPEED_SUBSCRIPTION}`,
    '',
    '# Each device publishes its own telemetry and speed, status (and last will), health, dropped',
    '# notices and command results, and reads only its own acks and commands.',
  ];
  for (const id of deviceIds) {
    lines.push(
      `user ${id}`,
      `topic write ${speedTopic(id)}`,
      `topic write ${telemetryTopic(id)}`,
      `topic write ${statusTopic(id)}`,
      `topic write ${healthTopic(id)}`,
      `topic write ${droppedTopic(id)}`,
      `topic read ${ackTopic(id)}`,
      `topic read ${commandTopic(id)}`,
      `topic write ${commandResultTopic(id)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
