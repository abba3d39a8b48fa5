// Who is here (this tab, other tabs, other devices) and which card each one is editing.
import { For, Show } from 'solid-js';
import { findCard } from './model.js';
import type { PeerInfo, Session } from './session.js';

function Peer(props: { session: Session; info: PeerInfo; me?: boolean }) {
  const editingTitle = () => (props.info.editing ? findCard(props.session.data, props.info.editing)?.title : undefined);
  return (
    <li class="peer" data-testid={props.me ? 'peer-me' : 'peer'}>
      <span class="dot" style={{ background: props.info.color }} />
      <span class="peer-name" data-testid="peer-name">{props.info.name}</span>
      <Show when={props.me}>
        <span class="muted"> (you)</span>
      </Show>
      <Show when={editingTitle()}>
        {(title) => (
          <span class="peer-editing" data-testid="peer-editing">
            editing “{title()}”
          </span>
        )}
      </Show>
    </li>
  );
}

export function PresenceList(props: { session: Session }) {
  const { session } = props;
  return (
    <section class="panel presence" data-testid="presence">
      <h2>
        Online <span class="muted" data-testid="presence-count">{session.peers().length + 1}</span>
      </h2>
      <ul>
        <Peer session={session} info={session.me} me />
        <For each={session.peers()}>{(peer) => <Peer session={session} info={peer.info} />}</For>
      </ul>
    </section>
  );
}
