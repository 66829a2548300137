// The MQTT connection settings every program shares (its own file: credentials and transports read it without importing config.ts).

export interface MqttConfig {
  /** undefined: `npm start` runs the embedded broker; other programs use localhost. */
  host: string | undefined;
  port: number;
  /** mqtt://, mqtts://, ws:// or wss:// URL; when set it wins over host/port (no embedded broker). */
  url: string | undefined;
  /** PEM CA bundle to trust for mqtts:// and wss:// (e.g. a self-signed broker certificate). */
  caFile: string | undefined;
  username: string | undefined;
  password: string | undefined;
  /** JSON {username: password} written by `npm run mqtt-users`: each device logs in as itself. */
  credentialsFile: string | undefined;
  /** Mosquitto password_file / acl_file: the embedded broker enforces them when set. */
  passwordFile: string | undefined;
  aclFile: string | undefined;
  reconnectMaxMs: number;
}
