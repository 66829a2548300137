// Map benchmark: 10,000 vehicles driving circles (telemetry with a position, each once a second) into Mosquitto, the dashboard as its own process, Chromium on the overview: longest main-thread task and socket bytes/s to the page, zoomed out (cells) and zoomed in (at most MAP_MARKERS_MAX vehicles).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { MAP_MARKERS_MAX } from '../core/map-wire.js';
import type { FleetMapProbe } from '../dashboard/page/fleet-map.js';
import { circlingFix } from '../harness/fleet-traffic.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { sleep } from '../harness/wait.js';
import { cpuSeconds } from './process-metrics.js';
import { median, round } from './stats.js';
import { endStage, stage } from './ui.js';
import { launchBrowser } from './ui-page.js';

export interface MapBenchOptions {
  repeat: number;
  quick: boolean;
  say: (line: string) => void;
}

const VEHICLES = 10_000;
/** The zoomed-in view is centred here (the middle of circlingFix's homes). */
const CENTRE: [number, number] = [48, 7.5];

interface Phase {
  longestMs: number;
  tasks: number;
  kbPerS: number;
  mapKbPerS: number;
  mapUpdatesPerS: number;
  cores: number;
  /** Vehicles in the view, and cells (0 when zoomed in). */
  total: number;
  cells: number;
}

/** Bytes of every WebSocket frame the page receives (payload lengths, as CDP reports them), and those of `map`. */
class FrameBytes {
  all = 0;
  map = 0;
  mapFrames = 0;

  watch(page: Page): void {
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const n = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
        this.all += n;
        if (typeof payload === 'string' && payload.startsWith('42["map"')) {
          this.map += n;
          this.mapFrames += 1;
        }
      }),
    );
  }

  reset(): void {
    this.all = 0;
    this.map = 0;
    this.mapFrames = 0;
  }
}

const probe = (page: Page) =>
  page.evaluate(() => {
    const m = (window as unknown as { fleetMap: FleetMapProbe }).fleetMap;
    const data = m.map.getContainer().dataset;
    return { mode: m.mode(), total: Number(data.total), cells: Number(data.cells) };
  });

/** `seconds` of live data as the page is: long tasks that started in them, bytes, dashboard CPU. */
async function measure(page: Page, frames: FrameBytes, pid: number, seconds: number) {
  const from = await page.evaluate(() => performance.now());
  frames.reset();
  const cpu = cpuSeconds(pid);
  const started = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const tasks = await page.evaluate(
    (t) =>
      (window as unknown as { longTasks: Array<[number, number]> }).longTasks.filter(
        ([start]) => start >= t,
      ),
    from,
  );
  const shown = await probe(page);
  return {
    longestMs: Math.max(0, ...tasks.map(([, d]) => d)),
    tasks: tasks.length,
    kbPerS: frames.all / 1024 / elapsed,
    mapKbPerS: frames.map / 1024 / elapsed,
    mapUpdatesPerS: frames.mapFrames / elapsed,
    cores: (cpuSeconds(pid) - cpu) / elapsed,
    total: shown.total,
    cells: shown.cells,
  } satisfies Phase;
}

/** Centres the map at a zoom and waits for the answer to that view (at most a period later, then a period of moves). */
async function show(page: Page, centre: [number, number], zoom: number): Promise<boolean> {
  // In braces: setView returns the map, which would be serialized back whole.
  await page.evaluate(
    ([c, z]) => {
      (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.map.setView(
        c as [number, number],
        z as number,
        { animate: false },
      );
    },
    [centre, zoom] as const,
  );
  await page.waitForFunction(
    (z) => (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.view()?.zoom === z,
    zoom,
  );
  await sleep(2500);
  return (await probe(page)).mode === 'vehicles';
}

/**
 * Zooms in by half levels at CENTRE until the view has at most MAP_MARKERS_MAX vehicles; then, half
 * a level out again, slides west over the fleet's edge until it has just few enough: a view close
 * to the limit (the most vehicles drawn and sent). Returns the zoom.
 */
async function zoomIn(page: Page): Promise<number> {
  let zoom = await page.evaluate(() =>
    (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.map.getZoom(),
  );
  do {
    zoom += 0.5;
    if (zoom > 14) throw new Error('bench map: no zoom with few enough vehicles');
  } while (!(await show(page, CENTRE, zoom)));
  for (let lon = CENTRE[1] - 1.5; lon > -40; lon -= 1.5) {
    if (await show(page, [CENTRE[0], lon], zoom - 0.5)) return zoom - 0.5;
  }
  await show(page, CENTRE, zoom);
  return zoom;
}

/** One page: fitted to the fleet (cells), then zoomed in to a view with at most MAP_MARKERS_MAX vehicles. */
async function run(
  page: Page,
  base: string,
  pid: number,
  seconds: number,
  say: (line: string) => void,
): Promise<{ cells: Phase; vehicles: Phase; zoom: number }> {
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: Array<[number, number]> };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  });
  const frames = new FrameBytes();
  frames.watch(page);
  await page.goto(`${base}/`);
  await page.waitForSelector(`#fleet-map[data-mode="cells"][data-total="${VEHICLES}"]`, {
    timeout: 60_000,
  });
  await sleep(2000);
  say(`bench map: ${seconds} s zoomed out (cells)`);
  const cells = await measure(page, frames, pid, seconds);
  const zoom = await zoomIn(page);
  say(`bench map: ${seconds} s zoomed in (zoom ${zoom}, vehicles)`);
  const vehicles = await measure(page, frames, pid, seconds);
  return { cells, vehicles, zoom };
}

export async function mapRun(dir: string, o: MapBenchOptions): Promise<Record<string, number>> {
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  const browser = await launchBrowser();
  const seconds = o.quick ? 8 : 20;
  const runs: Array<Awaited<ReturnType<typeof run>>> = [];
  try {
    o.say(`bench map: ${VEHICLES} vehicles driving, each reporting its position once a second`);
    const s = await stage(join(dir, 'fleet'), broker.port, VEHICLES, { position: circlingFix });
    const pid = s.dashboard.pid as number;
    try {
      for (let i = 0; i < o.repeat; i++) {
        o.say(`bench map: page ${i + 1}/${o.repeat}`);
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        try {
          runs.push(await run(page, s.base, pid, seconds, o.say));
        } finally {
          await page.close();
        }
      }
    } finally {
      await endStage(s);
    }
  } finally {
    await browser.close();
    await broker.stop();
  }
  const m = (pick: (r: (typeof runs)[number]) => number) => round(median(runs.map(pick)));
  const figures = (name: 'cells' | 'vehicles') => ({
    [`longest_task_ms_${name}`]: m((r) => r[name].longestMs),
    [`long_tasks_${name}`]: m((r) => r[name].tasks),
    [`socket_kb_per_s_${name}`]: m((r) => r[name].kbPerS),
    [`map_kb_per_s_${name}`]: m((r) => r[name].mapKbPerS),
    [`map_updates_per_s_${name}`]: m((r) => r[name].mapUpdatesPerS),
    [`vehicles_in_view_${name}`]: m((r) => r[name].total),
    [`server_cpu_cores_${name}`]: m((r) => r[name].cores),
  });
  return {
    ...figures('cells'),
    cells_in_view: m((r) => r.cells.cells),
    ...figures('vehicles'),
    zoom_vehicles: m((r) => r.zoom),
    markers_max: MAP_MARKERS_MAX,
  };
}
