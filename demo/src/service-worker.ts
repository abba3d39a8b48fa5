// Registers demo/public/sw.js, which caches the built app so that it loads and works offline after
// the first visit (edits wait in IndexedDB until the server is back).
export async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  try {
    await navigator.serviceWorker.register('./sw.js', { scope: './' });
  } catch (err) {
    console.warn('tinysync demo: service worker not registered', err);
  }
}
