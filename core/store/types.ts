// The telemetry-store interface: every backend (SQLite, InfluxDB) implements it and passes one shared suite.
import type { DroppedNotice, Reading } from '../contract.js';
import type { PositionFlag, SignalValue } from '../signals/catalog.js';
import type { DeviceProgress, GapEvent } from './seq-coverage.js';

export interface WriteResult {
  /** Readings newly stored. */
  stored: number;
  /** Readings skipped because their (device_id, seq) was already covered (QoS 1 redelivery, resend). */
  duplicates: number;
  /** Every device the write touched, with its coverage after the commit. */
  progress: DeviceProgress[];
  /** Gaps opened by this write (a seq above highest + 1 arrived). */
  gaps: GapEvent[];
  /** Stored readings that landed below the device's highest seq (late, filling a gap). */
  filled: number;
  /** Seqs newly covered by accepted dropped notices (never stored: dropped at the device). */
  declaredDropped: number;
  /** Dropped notices refused: they reached at or beyond the highest seq stored. */
  droppedIgnored: number;
  /**
   * Stored fixes whose position flag a late fix changed (a fix before them arrived after them):
   * their device, seq, time (ms) and new flag (undefined: valid now).
   */
  reflagged: Reflag[];
  /**
   * The readings newly stored (the batch's own objects, position_flag as the store judged it);
   * undefined: the store does not say (every reading may be new).
   */
  fresh?: readonly Reading[];
  /** With `fresh`: each one's timestamp in epoch ms (parsed once, by the write plan). */
  freshTimes?: readonly number[];
}

export interface Reflag {
  deviceId: string;
  seq: number;
  time: number;
  flag: PositionFlag | undefined;
}

/** Retention per tier in ms; 0 keeps forever. */
export interface Retention {
  rawMs: number;
  oneMinuteMs: number;
  oneHourMs: number;
}

export const KEEP_FOREVER: Retention = { rawMs: 0, oneMinuteMs: 0, oneHourMs: 0 };

/** One retention step: what it deleted and whether more is due now. */
export interface PruneStep {
  deleted: number;
  more: boolean;
}

/** One signal's newest value and the device time it was measured at (ms since epoch). */
export interface TimedValue {
  value: SignalValue;
  time: number;
}

export interface LatestReading {
  deviceId: string;
  /** The newest reading's seq and device timestamp (ms since epoch). */
  seq: number;
  timestamp: number;
  /**
   * Every signal's newest value by catalog key, each with its own time (a signal absent from the
   * newest reading keeps the value it last had). The position keys (lat, lon, alt, acc, heading)
   * come from the newest valid fix, together.
   */
  signals: Record<string, TimedValue>;
}

export interface DeviceSummary {
  deviceId: string;
  /** Device timestamp of the newest reading, ms since epoch. */
  lastSeen: number;
  /** Highest seq stored. */
  lastSeq: number;
}

export interface HistoryQuery {
  deviceId: string;
  /** Catalog key of a numeric or boolean signal (booleans: mean = fraction true); default speed. */
  signal?: string | undefined;
  /** Inclusive bounds, ms since epoch. */
  from: number;
  to: number;
  maxPoints: number;
  /** The caller's clock: retention horizons (which tiers still hold a range) are judged on it. */
  now: number;
}

export interface HistoryPoint {
  /** Start of the window (a multiple of windowMs), ms since epoch. */
  timestamp: number;
  mean: number;
  min: number;
  max: number;
  count: number;
}

export interface HistoryResult {
  windowMs: number;
  points: HistoryPoint[];
}

/** Where a page of raw readings stopped, in (timestamp, seq) order: the next page starts after it. */
export interface ReadingPosition {
  /** Device timestamp, ms since epoch. */
  ts: number;
  seq: number;
}

/** Bounds for "no bound": the range of a JavaScript Date (InfluxDB omits what lies beyond its own). */
export const EARLIEST_MS = -8.64e15;
export const LATEST_MS = 8.64e15;

/** A device's raw readings in a time range, optionally within a speed band. */
export interface ReadingsRange {
  deviceId: string;
  /** Catalog keys to return (default: every signal of the catalog). */
  signals?: readonly string[] | undefined;
  /** Inclusive bounds, ms since epoch (EARLIEST_MS / LATEST_MS: unbounded). */
  from: number;
  to: number;
  /** asc: oldest first; ties in a millisecond by seq (InfluxDB: by seq mod 10^6, see influx-points.ts). */
  order: 'asc' | 'desc';
  /** Inclusive speed bounds (km/h). */
  minSpeed?: number | undefined;
  maxSpeed?: number | undefined;
}

/** One page: keyset pagination, so rows written meanwhile never shift what the next page returns. */
export interface ReadingsQuery extends ReadingsRange {
  limit: number;
  /** Continue strictly after this position (in `order`); undefined: from the start of the range. */
  after?: ReadingPosition | undefined;
}

export interface RawReading {
  seq: number;
  /** Device timestamp, ms since epoch. */
  timestamp: number;
  /** The requested signals the reading has, by catalog key. */
  values: Record<string, SignalValue>;
  /** Set for a stored position that is not used (zero_fix, jump). */
  position_flag?: PositionFlag;
}

/** Position flag codes in ReadingColumns.flag. */
export const FLAG_NONE = -1;
export const FLAG_VALID = 0;
export const FLAG_CODES: Readonly<Record<PositionFlag, number>> = { zero_fix: 1, jump: 2 };

/**
 * A chunk of readings as columns: an export of millions of readings then holds typed arrays (their
 * memory outside the V8 heap), never an object per reading, across its waits for the socket.
 */
export interface ReadingColumns {
  length: number;
  seq: Float64Array;
  /** Device timestamps, ms since epoch. */
  timestamp: Float64Array;
  /** One column per requested signal key; NaN where a reading lacks it; booleans as 0/1. */
  values: Record<string, Float64Array>;
  /** FLAG_NONE (no position), FLAG_VALID, or a FLAG_CODES value. */
  flag: Int8Array;
}

export interface TelemetryStore {
  readonly kind: 'sqlite' | 'influxdb';
  start(): Promise<void>;
  /** Flushes and closes; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Resolves only once every reading is durable, with its rollups and the devices' coverage. A
   * (device_id, seq) already covered is skipped (also after retention deleted its row). Dropped
   * notices below the highest stored seq mark their seqs covered. Positions are judged against the
   * device's previous valid fix by time (core/signals/position-judge.ts): the store sets
   * `position_flag` on the new readings it flags `jump`, and re-judges stored fixes a late one
   * precedes (WriteResult.reflagged). `times`, when the caller has them: each reading's timestamp
   * as epoch ms (index for index, as validation parsed it), so the store does not parse it again.
   */
  write(
    readings: readonly Reading[],
    dropped?: readonly DroppedNotice[],
    times?: readonly number[],
  ): Promise<WriteResult>;
  /** Every device's persisted coverage: what start-up needs, one small row per device. */
  coverage(): Promise<DeviceProgress[]>;
  /**
   * Several collectors (collector/cluster/): the devices `owns` selects are written by this process
   * from now on, and only while `valid()` holds (the partition's lease). Whatever the process held
   * in memory of them is dropped and read again from the store, since another collector may have
   * written them meanwhile; answers their coverage. A store whose every write re-reads coverage in
   * its transaction (SQLite) only filters coverage().
   */
  claim(
    key: string,
    owns: (deviceId: string) => boolean,
    valid: () => boolean,
  ): Promise<DeviceProgress[]>;
  /**
   * The claim `key` ends. `flush`: a clean handover, what is pending of its devices (rollups,
   * checkpoints) is written first. `drop`: the lease may be gone, nothing more of them is written.
   */
  disown(key: string, how: 'flush' | 'drop'): Promise<void>;
  /**
   * Deletes at most `budget` rows past retention (one short transaction) and says whether more is
   * due; stores whose server applies retention itself answer at once.
   */
  prune(now: number, budget: number): Promise<PruneStep>;
  latest(deviceId: string): Promise<LatestReading | undefined>;
  devices(): Promise<DeviceSummary[]>;
  /**
   * One signal (default speed) downsampled to at most maxPoints windows of historyWindow() length,
   * with mean/min/max/count each.
   */
  history(query: HistoryQuery): Promise<HistoryResult>;
  /** One page of raw readings, at most `limit`, strictly after `after` in the query's order. */
  readings(query: ReadingsQuery): Promise<RawReading[]>;
  /**
   * The whole range as chunks of at most `chunkRows` readings, read by keyset queries, the event
   * loop given a turn between chunks: an export of millions of rows holds about one query's worth
   * in memory and never blocks other requests for longer than one chunk.
   */
  readingChunks(range: ReadingsRange, chunkRows: number): AsyncIterable<ReadingColumns>;
  /**
   * Every raw seq of a device in ascending order, repeats included: proof of loss or duplicates
   * (tests and drills; it reads every row, so no program calls it).
   */
  seqs(deviceId: string): Promise<number[]>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Window lengths a person reads easily; windows are aligned to multiples of them since the epoch. */
const NICE_WINDOWS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];

/**
 * Window length for a history query: the smallest "nice" length such that [from, to] touches at
 * most maxPoints epoch-aligned windows (a span of k windows touches at most k + 1 of them).
 * Epoch alignment is what InfluxQL's GROUP BY time() does, so every store answers alike.
 */
export function historyWindow(from: number, to: number, maxPoints: number): number {
  const minimum = (to - from) / Math.max(1, maxPoints - 1);
  const nice = NICE_WINDOWS.find((w) => w >= minimum);
  return nice ?? Math.ceil(minimum / DAY) * DAY;
}
