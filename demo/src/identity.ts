// Who this browser is on the board: a name and colour kept in localStorage (one per browser
// profile, so two tabs are the same person and two browsers are two people).
const NAMES = ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Frances', 'Alan', 'Radia'];
const COLORS = ['#e11d48', '#2563eb', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

export interface Identity {
  name: string;
  color: string;
}

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

export function loadIdentity(): Identity {
  try {
    const saved = JSON.parse(localStorage.getItem('tinysync-demo-identity') ?? 'null') as Partial<Identity> | null;
    if (saved && typeof saved.name === 'string' && typeof saved.color === 'string') return { name: saved.name, color: saved.color };
  } catch {
    // unreadable: make a new one
  }
  const identity = { name: `${pick(NAMES)} ${Math.floor(Math.random() * 90 + 10)}`, color: pick(COLORS) };
  saveIdentity(identity);
  return identity;
}

export function saveIdentity(identity: Identity): void {
  try {
    localStorage.setItem('tinysync-demo-identity', JSON.stringify(identity));
  } catch {
    // private mode: the name lasts for this page only
  }
}

/**
 * The subject (`sub`) of an access token, read without verifying it (the server does): a
 * viewer link's token may write only its own KPI slots, named by its subject.
 */
export function tokenSubject(token: string): string | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

/** This browser profile's id: its slot in shared counters (see Dashboard.kpis). */
export function deviceId(): string {
  try {
    let id = localStorage.getItem('tinysync-demo-device');
    if (!id) localStorage.setItem('tinysync-demo-device', (id = crypto.randomUUID().slice(0, 8)));
    return id;
  } catch {
    return crypto.randomUUID().slice(0, 8);
  }
}
