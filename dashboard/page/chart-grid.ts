// The overview's chart grid: a page of vehicles (by id), one card each; only cards on screen draw (IntersectionObserver).
import { type CardContext, DeviceCard } from './device-card.js';
import { byId, compareIds } from './dom.js';

export const GRID_PAGE = 12;

export class ChartGrid {
  private ids: string[] = [];
  private page = 0;
  readonly cards = new Map<string, DeviceCard>();
  private readonly observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const id = (entry.target as HTMLElement).dataset.device ?? '';
      const card = this.cards.get(id);
      if (!card) continue;
      card.visible = entry.isIntersecting;
      if (card.visible) card.render();
    }
  });

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: CardContext,
    /** A card was created (command controls, alarm badge). */
    private readonly created: (card: DeviceCard) => void,
    /** The page's vehicles changed: send a new view. */
    private readonly changed: () => void,
  ) {}

  start(): void {
    byId<HTMLButtonElement>('grid-prev').addEventListener('click', () => this.go(this.page - 1));
    byId<HTMLButtonElement>('grid-next').addEventListener('click', () => this.go(this.page + 1));
  }

  /** The vehicles this grid pages through (GET /api/devices). */
  setIds(ids: readonly string[]): void {
    const sorted = [...ids].sort(compareIds);
    if (sorted.join('\n') === this.ids.join('\n')) return;
    this.ids = sorted;
    this.go(this.page);
  }

  /** The ids shown now. */
  shown(): string[] {
    return this.ids.slice(this.page * GRID_PAGE, (this.page + 1) * GRID_PAGE);
  }

  private go(page: number): void {
    const pages = Math.max(1, Math.ceil(this.ids.length / GRID_PAGE));
    this.page = Math.min(Math.max(0, page), pages - 1);
    const shown = this.shown();
    for (const [id, card] of this.cards) {
      if (shown.includes(id)) continue;
      this.observer.unobserve(card.element);
      card.destroy();
      this.cards.delete(id);
    }
    for (const id of shown) {
      if (this.cards.has(id)) continue;
      const card = DeviceCard.create(id, this.ctx);
      card.visible = false;
      this.cards.set(id, card);
    }
    // Cards in id order; existing ones are moved, not rebuilt.
    this.root.replaceChildren(...shown.flatMap((id) => this.cards.get(id)?.element ?? []));
    for (const id of shown) {
      const card = this.cards.get(id);
      if (!card || card.mounted) continue;
      card.mount();
      this.created(card);
      this.observer.observe(card.element);
      void card.load();
    }
    const first = this.ids.length === 0 ? 0 : this.page * GRID_PAGE + 1;
    byId('grid-range').textContent =
      `${first}–${this.page * GRID_PAGE + shown.length} of ${this.ids.length}`;
    byId<HTMLButtonElement>('grid-prev').disabled = this.page === 0;
    byId<HTMLButtonElement>('grid-next').disabled = this.page >= pages - 1;
    this.changed();
  }
}
