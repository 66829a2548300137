// The charts' shared time axis: x range from the page's span, 24-hour labels (dates on ranges of days).
import type uPlot from 'uplot';

const TWO_DAYS_MS = 2 * 86_400_000;

/** 24-hour labels, seconds only where a tick is not on a whole minute; dates on ranges of days. */
export function timeLabel(seconds: number, rangeMs: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (rangeMs >= TWO_DAYS_MS) {
    const date = `${two(d.getMonth() + 1)}-${two(d.getDate())}`;
    return hm === '00:00' ? date : `${date} ${hm}`;
  }
  return d.getSeconds() === 0 ? hm : `${hm}:${two(d.getSeconds())}`;
}

/** The x scale and axis of a chart over `span` (ms), as every chart of a page shows it. */
export function timeAxis(span: () => [number, number]): { scale: uPlot.Scale; axis: uPlot.Axis } {
  const rangeMs = (): number => {
    const [from, to] = span();
    return to - from;
  };
  return {
    scale: {
      time: true,
      range: () => {
        const [from, to] = span();
        return [from / 1000, to / 1000];
      },
    },
    axis: { size: 30, values: (_u, splits) => splits.map((t) => timeLabel(t, rangeMs())) },
  };
}
