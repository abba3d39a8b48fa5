// tinysync demo service worker: the app shell and built assets are served cache-first (so
// the dashboard loads with no server), pages network-first (so a new build is picked up),
// and the sync socket, the document API and the health check always go to the network.
const CACHE = 'tinysync-demo-v1';
const NETWORK_ONLY = /^\/(?:sync|docs|health|register)(?:\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      let files = [];
      try {
        files = await (await fetch('./precache.json', { cache: 'no-store' })).json();
      } catch {
        // no list (dev server): the fetch handler caches files as they are used
      }
      await cache.addAll(['./', ...files.map((f) => `./${f}`)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  const scope = new URL(self.registration.scope);
  const path = `/${url.pathname.slice(scope.pathname.length)}`;
  if (NETWORK_ONLY.test(path)) return;
  event.respondWith(request.mode === 'navigate' ? page(request) : asset(request));
});

/** Pages: the network when it answers, else the cached app shell (any ?doc= query). */
async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put('./', response.clone());
    return response;
  } catch {
    return (await cache.match('./')) ?? (await cache.match(request, { ignoreSearch: true })) ?? Response.error();
  }
}

/** Built assets (content-hashed names): the cache first, the network on a miss (then kept). */
async function asset(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
  return response;
}
