// One card: its title (click to edit), who else is editing it, move and delete buttons.
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { deleteCard, moveCard, type Card, type Column } from './model.js';
import { countCreated, countTitle } from './renders.js';
import type { Session } from './session.js';

export function CardView(props: { session: Session; column: Column; card: Card; first: boolean; last: boolean }) {
  const { session } = props;
  const card = props.card;
  countCreated(card.id);
  const [editing, setEditing] = createSignal(false);
  let input: HTMLInputElement | undefined;

  const start = () => {
    setEditing(true);
    session.setEditing(card.id);
    input?.focus();
    input?.select();
  };
  const finish = (save: boolean) => {
    if (!editing()) return;
    const title = input?.value.trim() ?? '';
    if (save && title && title !== card.title) card.title = title;
    setEditing(false);
    session.setEditing(null);
  };

  // Deleted (here or by someone else) while being edited: stop announcing it.
  onCleanup(() => {
    if (editing() && session.me.editing === card.id) session.setEditing(null);
  });

  return (
    <li class="card" data-testid="card" data-card-id={card.id} classList={{ 'being-edited': (session.editors[card.id]?.length ?? 0) > 0 }}>
      <Show
        when={editing()}
        fallback={
          <button class="title" data-testid="card-title" title="Click to edit" disabled={!session.canEditCards} onClick={start}>
            {(countTitle(card.id), card.title)}
          </button>
        }
      >
        <input
          ref={(el) => {
            input = el;
            queueMicrotask(() => el.focus());
          }}
          class="title-input"
          data-testid="card-title-input"
          value={card.title}
          onKeyDown={(e) => {
            if (e.key === 'Enter') finish(true);
            else if (e.key === 'Escape') finish(false);
          }}
          onBlur={() => finish(true)}
        />
      </Show>
      <div class="card-meta">
        <span class="author">{card.author}</span>
        <For each={session.editors[card.id] ?? []}>
          {(name) => <span class="editing-badge" data-testid="card-editor">✎ {name}</span>}
        </For>
      </div>
      <div class="card-actions">
        <button data-testid="card-left" aria-label="Move left" disabled={props.first || !session.canEditCards} onClick={() => moveCard(session.data, props.column, card, -1)}>◀</button>
        <button data-testid="card-right" aria-label="Move right" disabled={props.last || !session.canEditCards} onClick={() => moveCard(session.data, props.column, card, 1)}>▶</button>
        <button data-testid="card-delete" aria-label="Delete" class="danger" disabled={!session.canEditCards} onClick={() => deleteCard(props.column, card)}>✕</button>
      </div>
    </li>
  );
}
