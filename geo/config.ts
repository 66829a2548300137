// Settings of the geo logic (trip rules, idle, harsh driving, geofence hysteresis, score) and their documented defaults.

export interface HarshConfig {
  /** Speed gain over the window that counts as harsh acceleration, m/s². */
  accelMps2: number;
  /** Speed loss over the window that counts as harsh braking, m/s² (positive). */
  brakeMps2: number;
  /** Lateral acceleration v·ω that counts as harsh cornering, m/s². */
  cornerMps2: number;
  /**
   * The shortest window a speed or heading change is measured over, s: close fixes make noise
   * look like a jolt; 0.75 so a 1 Hz device's fixes, a few ms early or late, pair with the last.
   */
  minWindowS: number;
  /** The longest: a change across a longer silence is no event (a gap hides what happened). */
  maxWindowS: number;
  /** Above this (about 1 g) a change is a bad reading, not driving. */
  maxPlausibleMps2: number;
  /** Below this mean speed, heading changes are ignored (course is noise when slow). */
  cornerMinSpeedKmh: number;
}

export interface ScoreConfig {
  /** Points lost per harsh event per 100 km. */
  pointsPerEventPer100Km: number;
  /** Distances shorter than this count as this (one event on a short trip is not fatal). */
  minDistanceKm: number;
  /** Points lost per percent of driving time above the speed limit. */
  pointsPerOverspeedPct: number;
}

export interface GeoConfig {
  /** TRIP_MIN_DISTANCE_M: how far from where it stopped the vehicle must get to start a trip. */
  tripMinDistanceM: number;
  /** TRIP_MIN_DURATION_S: a trip ends when the vehicle has not moved that far within this. */
  tripMinDurationS: number;
  /** TRIP_MAX_GAP_S: a silence longer than this ends a trip; no distance or time across it. */
  tripMaxGapS: number;
  /** Below this speed the vehicle stands still (idle when the ignition is on), km/h. */
  idleSpeedKmh: number;
  /** A vehicle inside a geofence leaves it only once this far outside (GPS jitter), m. */
  geofenceMarginM: number;
  /** The speed limit where no geofence sets one (the overspeed rule's default), km/h. */
  speedLimitKmh: number;
  harsh: HarshConfig;
  score: ScoreConfig;
}

/**
 * Defaults (docs/trips.md and docs/driving-behaviour.md give the sources):
 * - trips: INTERFACE.md (200 m, 180 s, 3600 s), Traccar's `report.trip.*` defaults;
 * - harsh braking 3.5 m/s²: between 7 mph/s (3.1 m/s², the common truck ECM hard-brake trigger)
 *   and 9 mph/s (4.0 m/s², Omnitracs; eDriving's 0.41 g); harsh acceleration 3.0 m/s² (Digital
 *   Matter's low setting, above Positrace's 0.2 g for passenger cars); cornering 4.0 m/s² (between
 *   Positrace's 0.3 g and eDriving's 0.5 g). Measured from 1 Hz GPS speed, a manoeuvre's peak is
 *   averaged over a second, so these sit below accelerometer thresholds (Digital Matter 4.4/5.5);
 * - score: Samsara's form (100 − events per distance − % of time speeding), per 100 km with a
 *   floor on distance as Verizon Connect and Powerfleet require a minimum distance for a score;
 * - geofence margin 30 m: two to four times the 7–13 m mean error of a phone in a city
 *   (Merry & Bettinger 2019, PLOS ONE 14(7) e0219890), so a parked vehicle's jitter stays inside it.
 */
export const DEFAULT_GEO_CONFIG: GeoConfig = {
  tripMinDistanceM: 200,
  tripMinDurationS: 180,
  tripMaxGapS: 3600,
  idleSpeedKmh: 2,
  geofenceMarginM: 30,
  speedLimitKmh: 110,
  harsh: {
    accelMps2: 3.0,
    brakeMps2: 3.5,
    cornerMps2: 4.0,
    minWindowS: 0.75,
    maxWindowS: 3,
    maxPlausibleMps2: 10,
    cornerMinSpeedKmh: 20,
  },
  score: { pointsPerEventPer100Km: 5, minDistanceKm: 25, pointsPerOverspeedPct: 1 },
};

/** The defaults with some settings replaced (nested groups merged one level deep). */
export function geoConfig(
  over: Partial<Omit<GeoConfig, 'harsh' | 'score'>> & {
    harsh?: Partial<HarshConfig>;
    score?: Partial<ScoreConfig>;
  } = {},
): GeoConfig {
  return {
    ...DEFAULT_GEO_CONFIG,
    ...over,
    harsh: { ...DEFAULT_GEO_CONFIG.harsh, ...over.harsh },
    score: { ...DEFAULT_GEO_CONFIG.score, ...over.score },
  };
}
