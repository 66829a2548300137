// The chosen time range (5 m … 1 y, or a custom from/to) and what it means for charts and exports.
import { RANGES, type RangeKey } from '../../core/dashboard-contract.js';
import { durationMs } from '../../core/duration.js';

export const isRange = (v: string | null): v is RangeKey => v !== null && Object.hasOwn(RANGES, v);

export type Range =
  | { kind: 'preset'; key: RangeKey }
  | { kind: 'custom'; from: number; to: number };

export class RangeState {
  constructor(
    public range: Range,
    private readonly now: () => number,
  ) {}

  label(): string {
    return this.range.kind === 'preset' ? this.range.key : 'custom';
  }

  /** The history request's range parameters. */
  historyQuery(): string {
    const r = this.range;
    if (r.kind === 'preset') return `duration=${RANGES[r.key]}`;
    return `from=${new Date(r.from).toISOString()}&to=${new Date(r.to).toISOString()}`;
  }

  /** [from, to] in ms, now for a preset. */
  span(): [number, number] {
    const r = this.range;
    if (r.kind === 'custom') return [r.from, r.to];
    const now = this.now();
    return [now - (durationMs(RANGES[r.key]) ?? 300_000), now];
  }
}
