// Writes to InfluxDB < 1.8 (no /api/v2/write): line protocol POSTed to /write?db=&precision=ns.
import type { InfluxHttp } from './influx-http.js';
import type { InfluxPoint } from './influx-points.js';
import { type PointWriter, SerialWrites, WRITE_CHUNK } from './influx-writer.js';
import { pointLines } from './line-protocol.js';

export class V1Writer implements PointWriter {
  private readonly serial = new SerialWrites();

  constructor(
    private readonly http: InfluxHttp,
    private readonly database: string,
    private readonly retentionPolicy: string | undefined,
  ) {}

  write(points: readonly InfluxPoint[]): Promise<void> {
    return this.serial.run(async () => {
      for (let i = 0; i < points.length; i += WRITE_CHUNK) {
        const body = pointLines(points.slice(i, i + WRITE_CHUNK));
        await this.http.write(body, this.database, this.retentionPolicy);
      }
    });
  }

  writeLines(lines: readonly string[], retentionPolicy: string | undefined): Promise<void> {
    return this.serial.run(async () => {
      for (let i = 0; i < lines.length; i += WRITE_CHUNK) {
        await this.http.write(
          lines.slice(i, i + WRITE_CHUNK),
          this.database,
          retentionPolicy ?? this.retentionPolicy,
        );
      }
    });
  }

  async close(): Promise<void> {
    await this.serial.idle();
  }
}
