// NDJSON lines to candidate readings: one speed or telemetry payload per line, as devices publish it (and as the export writes it).
import { MAX_PAYLOAD_BYTES } from '../../core/contract.js';
import type { FormatReader, RowSink } from './rows.js';

export class NdjsonReader implements FormatReader {
  constructor(private readonly sink: RowSink) {}

  line(text: string, lineNo: number): void {
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    // The MQTT payload limit, in bytes; a line of that many characters can only be larger.
    if (
      text.length > MAX_PAYLOAD_BYTES ||
      (text.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(text) > MAX_PAYLOAD_BYTES)
    ) {
      this.sink.reject(lineNo, 'too_large', `line longer than ${MAX_PAYLOAD_BYTES} bytes`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.sink.reject(lineNo, 'invalid_json', 'line is not valid JSON');
      return;
    }
    // The export's judgement of a position, never a device's: the store judges positions itself.
    if (typeof value === 'object' && value !== null && 'position_flag' in value) {
      delete (value as Record<string, unknown>).position_flag;
    }
    this.sink.row(value, true, lineNo);
  }
}
