// Drill arithmetic: from device queue files and stored seqs to published / stored / lost / dropped / duplicates.

export interface DeviceLedger {
  deviceId: string;
  /** Seqs 0..nextSeq-1 were issued (readings taken). */
  nextSeq: number;
  /** Seq ranges the device evicted from its full queue. */
  evicted: ReadonlyArray<readonly [number, number]>;
}

export interface Tally {
  published: number;
  /** Distinct issued readings found in the store. */
  stored: number;
  /** Issued, not stored, and never evicted by the device: lost in transit. */
  lost: number;
  /** Issued, not stored, evicted from a full device queue: dropped by design, counted apart. */
  dropped: number;
  /** Extra copies of a (device_id, seq) in the store. */
  duplicates: number;
  /** Stored readings nobody issued (a device not in the fleet, or a seq never taken). */
  unexpected: number;
  /** First missing seqs per device, for the report. */
  lostSamples: Record<string, number[]>;
}

const inRanges = (seq: number, ranges: DeviceLedger['evicted']) =>
  ranges.some(([from, to]) => seq >= from && seq <= to);

export function tally(
  ledgers: readonly DeviceLedger[],
  stored: ReadonlyMap<string, readonly number[]>,
): Tally {
  const t: Tally = {
    published: 0,
    stored: 0,
    lost: 0,
    dropped: 0,
    duplicates: 0,
    unexpected: 0,
    lostSamples: {},
  };
  const known = new Set(ledgers.map((l) => l.deviceId));
  for (const ledger of ledgers) {
    t.published += ledger.nextSeq;
    const seqs = stored.get(ledger.deviceId) ?? [];
    const seen = new Set<number>();
    for (const seq of seqs) {
      if (seen.has(seq)) t.duplicates += 1;
      else if (seq >= ledger.nextSeq || seq < 0) t.unexpected += 1;
      seen.add(seq);
    }
    for (let seq = 0; seq < ledger.nextSeq; seq++) {
      if (seen.has(seq)) t.stored += 1;
      else if (inRanges(seq, ledger.evicted)) t.dropped += 1;
      else {
        t.lost += 1;
        const samples = t.lostSamples[ledger.deviceId] ?? [];
        t.lostSamples[ledger.deviceId] = samples;
        if (samples.length < 10) samples.push(seq);
      }
    }
  }
  for (const [deviceId, seqs] of stored) if (!known.has(deviceId)) t.unexpected += seqs.length;
  return t;
}
