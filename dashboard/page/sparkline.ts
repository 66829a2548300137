// A row's live sparkline: the last minute of per-second speeds as one SVG polyline (attributes only, no markup).
import { SPARK_SAMPLES } from '../../core/dashboard-contract.js';
import { byId } from './dom.js';

/** The viewBox of index.html's #spark-template. */
const WIDTH = 60;
const HEIGHT = 18;

/**
 * A copy of the page's SVG template: the markup (and its namespace) stays in index.html, so the
 * script names no URL at all (the no-CDN test checks that).
 */
export function createSparkline(): { svg: SVGSVGElement; line: SVGPolylineElement } {
  const template = byId<HTMLTemplateElement>('spark-template');
  const svg = template.content.firstElementChild?.cloneNode(true) as SVGSVGElement;
  return { svg, line: svg.querySelector('polyline') as SVGPolylineElement };
}

/** Points for the samples, newest at the right edge; the y scale is the row's own range (at least 20 km/h). */
export function sparkPoints(samples: readonly number[]): string {
  if (samples.length === 0) return '';
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of samples) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = Math.max(20, max - min);
  const step = WIDTH / (SPARK_SAMPLES - 1);
  const start = WIDTH - (samples.length - 1) * step;
  return samples
    .map((v, i) => {
      const x = start + i * step;
      const y = HEIGHT - 1 - ((v - min) / span) * (HEIGHT - 2);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** Per-vehicle samples, one per reading timestamp, bounded. */
export class SparkHistory {
  private readonly samples = new Map<string, { at: string; values: number[] }>();

  /** The server's last minute of a row that just came into view (replaces what the page had). */
  seed(deviceId: string, values: readonly number[], timestamp: string | null): void {
    this.samples.set(deviceId, { at: timestamp ?? '', values: values.slice(-SPARK_SAMPLES) });
  }

  add(deviceId: string, speed: number | null, timestamp: string | null): void {
    if (speed === null || timestamp === null) return;
    const s = this.samples.get(deviceId);
    if (!s) {
      this.samples.set(deviceId, { at: timestamp, values: [speed] });
      return;
    }
    if (s.at === timestamp) return;
    s.at = timestamp;
    s.values.push(speed);
    if (s.values.length > SPARK_SAMPLES) s.values.splice(0, s.values.length - SPARK_SAMPLES);
  }

  of(deviceId: string): readonly number[] {
    return this.samples.get(deviceId)?.values ?? [];
  }
}
