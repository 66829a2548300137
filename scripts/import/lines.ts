// Splits a byte stream into numbered text lines (UTF-8, \n or \r\n), refusing lines longer than a cap.
import { StringDecoder } from 'node:string_decoder';

export interface LineSink {
  line(text: string, lineNo: number): void;
  /** A line longer than the cap: its text is dropped, never buffered whole. */
  tooLong(lineNo: number): void;
}

/**
 * Memory stays bounded by one chunk plus one line of at most `maxChars`, whatever the input (a
 * file without a single newline included). A UTF-8 byte order mark at the start is dropped.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private lineNo = 0;
  private started = false;
  /** Inside a line already reported as too long: drop text up to its newline. */
  private dropping = false;

  constructor(
    private readonly maxChars: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.scan(text);
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (this.dropping) {
      this.dropping = false;
      return;
    }
    if (rest.length > 0) this.emit(rest, rest.length);
  }

  private scan(chunk: string): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (this.dropping) this.dropping = false;
      else this.emit(text.slice(start, nl), nl - start);
      start = nl + 1;
    }
    this.carry = start === 0 ? text : text.slice(start);
    if (!this.dropping && this.carry.length > this.maxChars) {
      this.lineNo += 1;
      this.sink.tooLong(this.lineNo);
      this.dropping = true;
    }
    if (this.dropping) this.carry = '';
  }

  private emit(raw: string, length: number): void {
    this.lineNo += 1;
    const text = length > 0 && raw.charCodeAt(length - 1) === 13 ? raw.slice(0, length - 1) : raw;
    if (text.length > this.maxChars) this.sink.tooLong(this.lineNo);
    else this.sink.line(text, this.lineNo);
  }
}
