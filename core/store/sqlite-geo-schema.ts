// The geo store's tables in the SQLite telemetry file (schema v3, v4): trips, stops, events, per-day figures, the minute and 10-minute tracks, checkpoints.

/** A track tier's table: per bucket (`minute`: its start) the first and last fix, break flags. */
function trackTable(name: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${name} (
  device_id TEXT NOT NULL,
  minute INTEGER NOT NULL,
  t1 INTEGER NOT NULL,
  lat1 REAL NOT NULL,
  lon1 REAL NOT NULL,
  t2 INTEGER NOT NULL,
  lat2 REAL NOT NULL,
  lon2 REAL NOT NULL,
  flags INTEGER NOT NULL,
  PRIMARY KEY (device_id, minute)
) WITHOUT ROWID;
`;
}

/**
 * Created empty by the v2 → v3 upgrade (CREATE TABLE only: instant on any store size). Trips and
 * stops are keyed by their start (a vehicle's records never overlap), and indexed by the key of the
 * sample that produced them (at_ts, at_seq): what a recomputation deletes after its checkpoint.
 */
export const GEO_TABLES = `
CREATE TABLE IF NOT EXISTS geo_trips (
  device_id TEXT NOT NULL,
  start INTEGER NOT NULL,
  end_ts INTEGER NOT NULL,
  at_ts INTEGER NOT NULL,
  at_seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  days TEXT NOT NULL,
  PRIMARY KEY (device_id, start)
);
CREATE INDEX IF NOT EXISTS geo_trips_at ON geo_trips (device_id, at_ts, at_seq);
CREATE INDEX IF NOT EXISTS geo_trips_end ON geo_trips (device_id, end_ts);
CREATE TABLE IF NOT EXISTS geo_stops (
  device_id TEXT NOT NULL,
  start INTEGER NOT NULL,
  end_ts INTEGER NOT NULL,
  at_ts INTEGER NOT NULL,
  at_seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  days TEXT NOT NULL,
  PRIMARY KEY (device_id, start)
);
CREATE INDEX IF NOT EXISTS geo_stops_at ON geo_stops (device_id, at_ts, at_seq);
CREATE INDEX IF NOT EXISTS geo_stops_end ON geo_stops (device_id, end_ts);
CREATE TABLE IF NOT EXISTS geo_events (
  id TEXT NOT NULL PRIMARY KEY,
  device_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  type TEXT NOT NULL,
  geofence_id TEXT,
  at_ts INTEGER NOT NULL,
  at_seq INTEGER NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS geo_events_by_device ON geo_events (device_id, time);
CREATE INDEX IF NOT EXISTS geo_events_by_time ON geo_events (time);
CREATE INDEX IF NOT EXISTS geo_events_at ON geo_events (device_id, at_ts, at_seq);
CREATE TABLE IF NOT EXISTS geo_days (
  device_id TEXT NOT NULL,
  day TEXT NOT NULL,
  distance_km REAL NOT NULL,
  driving_s REAL NOT NULL,
  idle_s REAL NOT NULL,
  stopped_s REAL NOT NULL,
  overspeed_s REAL NOT NULL,
  max_speed_kmh REAL NOT NULL,
  fuel_used_pct REAL NOT NULL,
  harsh_events INTEGER NOT NULL,
  trips INTEGER NOT NULL,
  PRIMARY KEY (device_id, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS geo_days_by_day ON geo_days (day);
${trackTable('geo_track')}
CREATE TABLE IF NOT EXISTS geo_checkpoints (
  device_id TEXT NOT NULL,
  at_ts INTEGER NOT NULL,
  at_seq INTEGER NOT NULL,
  keep INTEGER NOT NULL,
  state TEXT NOT NULL,
  UNIQUE (device_id, at_ts, at_seq)
);
CREATE TABLE IF NOT EXISTS geo_dirty (
  device_id TEXT NOT NULL PRIMARY KEY,
  at_ts INTEGER NOT NULL,
  at_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS geo_meta (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/**
 * Schema v4: the 10-minute track (long /track ranges read a tenth of the minute rows). Created empty
 * by the v3 → v4 upgrade; minutes kept before it are read from geo_track (the dashboard falls back).
 */
export const GEO_COARSE_TRACK = trackTable('geo_track_10m');
