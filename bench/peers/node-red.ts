// Node-RED headless with one of the peers flows: settings and flow in a temp userDir, no editor or admin API, ready once its MQTT node has subscribed.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProgramProcess } from '../../harness/program.js';
import { sleep, waitFor } from '../../harness/wait.js';

export type PeerFlow = 'naive' | 'batched';

/** The checked-in flow, as a user would import it into the editor. */
export const flowFile = (flow: PeerFlow): string =>
  fileURLToPath(new URL(`./${flow}.flow.json`, import.meta.url));

export interface NodeRedOptions {
  dir: string;
  redJs: string;
  flow: PeerFlow;
  brokerPort: number;
  /** The mqtt in node's subscription. */
  topic: string;
  sqlitePath: string;
}

/**
 * The flows name their broker port, topic and database file as `${MQTT_PORT}`, `${MQTT_TOPIC}` and
 * `${SQLITE_PATH}`, which Node-RED fills from its environment when it starts the flow.
 */
export class NodeRedProcess {
  private program: ProgramProcess | undefined;

  constructor(private readonly options: NodeRedOptions) {}

  async start(): Promise<void> {
    const { dir, redJs, flow } = this.options;
    mkdirSync(dir, { recursive: true });
    copyFileSync(flowFile(flow), join(dir, 'flows.json'));
    const settings = {
      flowFile: 'flows.json',
      userDir: dir,
      // No HTTP server at all: no editor, no admin API, no HTTP nodes.
      httpAdminRoot: false,
      httpNodeRoot: false,
      credentialSecret: false,
      // No update check or usage report (and no network here).
      telemetry: { enabled: false },
      diagnostics: { enabled: false },
      logging: { console: { level: 'info', metrics: false, audit: false } },
    };
    const settingsPath = join(dir, 'settings.js');
    writeFileSync(settingsPath, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    // `node-red` is `node red.js`: started as that one node process, so its CPU and RSS are Node-RED's.
    this.program = new ProgramProcess(
      redJs,
      ['--settings', settingsPath, '--userDir', dir],
      {
        MQTT_PORT: String(this.options.brokerPort),
        MQTT_TOPIC: this.options.topic,
        SQLITE_PATH: this.options.sqlitePath,
      },
      [],
    );
    this.program.start();
    const program = this.program;
    await waitFor(
      () => {
        if (!program.running)
          throw new Error(`node-red exited:\n${program.stdout}${program.stderr}`);
        return program.stdout.includes('Connected to broker');
      },
      Boolean,
      { what: `node-red (${flow}) connected to the broker`, timeoutMs: 60_000 },
    );
    // The mqtt in node subscribes as the connection opens; its SUBACK is back well within this.
    await sleep(500);
  }

  get pid(): number {
    return this.program?.pid ?? 0;
  }

  /** What Node-RED printed (errors of its nodes land here). */
  get log(): string {
    return `${this.program?.stdout ?? ''}${this.program?.stderr ?? ''}`;
  }

  async stop(): Promise<void> {
    await this.program?.kill('SIGTERM');
    this.program = undefined;
  }
}
