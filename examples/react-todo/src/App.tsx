// The todo list: a header with the sync status and who else is here, a form, the rows.
// `useTracked` makes each component re-render only for what it read: editing one todo (here,
// in another tab or on another device) re-renders that one row.
import { memo, useCallback, useEffect, useState, type FormEvent } from 'react';
import { source, usePresence, useStatus, useStore, useTracked } from 'tinysync/react';
import { openList, type Todo, type TodoStore } from './model.js';

export function App({ list }: { list: string }) {
  const store = useStore(list, openList);
  if (!store) return <p className="muted" data-testid="loading">Opening {list}…</p>;
  return <TodoApp store={store} list={list} />;
}

function TodoApp({ store, list }: { store: TodoStore; list: string }) {
  const status = useStatus(store);
  const others = usePresence(store.presence);
  const data = useTracked(store.data);
  const [title, setTitle] = useState('');
  // Announce this tab to the others (presence is not stored, it lives while the tab does).
  useEffect(() => store.presence.set({ online: true }), [store]);
  const add = (e: FormEvent) => {
    e.preventDefault();
    const text = title.trim();
    if (!text) return;
    store.data.todos.push({ id: crypto.randomUUID(), title: text, done: false });
    setTitle('');
  };
  // Stable, so that the memoized rows skip when this component re-renders (an add, a remove).
  const remove = useCallback(
    (todo: Todo) => {
      const todos = store.data.todos;
      const at = todos.indexOf(source(todo));
      if (at >= 0) todos.splice(at, 1);
    },
    [store],
  );
  return (
    <main className="app" data-testid="app">
      <header>
        <h1>{list}</h1>
        <span className={`status ${status}`} data-testid="status">
          {status}
        </span>
        <span className="muted" data-testid="others">
          {others.length ? `${others.length} other${others.length > 1 ? 's' : ''} here` : 'only you'}
        </span>
      </header>
      <form onSubmit={add}>
        <input data-testid="new-title" value={title} placeholder="What needs doing?" onChange={(e) => setTitle(e.target.value)} />
        <button type="submit" data-testid="add">
          Add
        </button>
      </form>
      <ul data-testid="todos">
        {data.todos.map((todo) => (
          <Row key={todo.id} todo={todo} remove={remove} />
        ))}
      </ul>
      <Left todos={data.todos} />
    </main>
  );
}

/** Reads every `done`: with its own useTracked, a toggle re-renders this and the row only. */
function Left({ todos }: { todos: Todo[] }) {
  const left = useTracked(todos).filter((t) => !t.done).length;
  return (
    <footer className="muted" data-testid="left">
      {left} left · works offline · open this page in another tab or browser
    </footer>
  );
}

const Row = memo(function Row({ todo, remove }: { todo: Todo; remove: (todo: Todo) => void }) {
  const t = useTracked(todo);
  return (
    <li data-testid="todo" className={t.done ? 'done' : ''}>
      <label>
        <input type="checkbox" data-testid="toggle" checked={t.done} onChange={() => (source(t).done = !t.done)} />
        <span data-testid="title">{t.title}</span>
      </label>
      <button type="button" data-testid="remove" aria-label={`Remove ${t.title}`} onClick={() => remove(todo)}>
        ×
      </button>
    </li>
  );
});
