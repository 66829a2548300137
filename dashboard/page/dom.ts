// DOM building for the page: text goes in as textContent, never as markup (device data is untrusted).

export interface ElementProps {
  className?: string;
  text?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from the page`);
  return node as T;
}

/** Ids sort as people expect: vehicle_2 before vehicle_10. */
export const compareIds = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true });

export const formatSpeed = (speed: number | null): string =>
  speed === null ? '–' : speed.toFixed(1);

export const formatTime = (iso: string | null): string =>
  iso === null ? '–' : new Date(iso).toLocaleTimeString([], { hour12: false });

/** 75000 → "1 min 15 s". */
export function formatLag(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
