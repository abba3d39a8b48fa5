// The task board: columns of cards, each with a form to add one.
import { For } from 'solid-js';
import { addCard, type Column } from './model.js';
import { CardView } from './CardView.js';
import type { Session } from './session.js';

function ColumnView(props: { session: Session; column: Column; first: boolean; last: boolean }) {
  const { session } = props;
  const column = props.column;
  let input: HTMLInputElement | undefined;
  const add = (e: SubmitEvent) => {
    e.preventDefault();
    if (!input) return;
    addCard(session.data, column, input.value, session.me.name);
    input.value = '';
  };
  return (
    <section class="column" data-testid="column" data-column-id={column.id}>
      <header>
        <h2>{column.title}</h2>
        <span class="count" data-testid="column-count">{column.cards.length}</span>
      </header>
      <ul class="cards">
        <For each={column.cards}>
          {(card) => <CardView session={session} column={column} card={card} first={props.first} last={props.last} />}
        </For>
      </ul>
      <form class="add-card" onSubmit={add}>
        <input ref={input} data-testid="new-card-input" placeholder="Add a card…" aria-label={`New card in ${column.title}`} disabled={!session.canEditCards} />
        <button type="submit" data-testid="add-card" disabled={!session.canEditCards}>Add</button>
      </form>
    </section>
  );
}

export function Board(props: { session: Session }) {
  const columns = props.session.data.columns;
  return (
    <div class="board" data-testid="board">
      <For each={columns}>
        {(column, i) => <ColumnView session={props.session} column={column} first={i() === 0} last={i() === columns.length - 1} />}
      </For>
    </div>
  );
}
