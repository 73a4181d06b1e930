// The app shell, offline: on install, keep index.html and the files it names; on every GET of this
// app, ask the network first and fall back to the kept copy (so a new build is picked up online).
const CACHE = 'trellis-todo-v1'

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      const page = await fetch('./index.html')
      const html = await page.clone().text()
      await cache.put('./', page.clone())
      await cache.put('./index.html', page)
      // The built page names its script and stylesheet relative ('./assets/…', base './') or from the root (another base).
      const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]).filter((url) => !/^[a-z][a-z0-9+.-]*:/i.test(url))
      await cache.addAll(files)
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET' || !request.url.startsWith(self.registration.scope)) return
  event.respondWith(
    (async () => {
      try {
        const response = await fetch(request)
        if (response.ok) {
          const copy = response.clone()
          void caches.open(CACHE).then((cache) => cache.put(request, copy))
        }
        return response
      } catch (error) {
        const kept = (await caches.match(request, { ignoreSearch: true })) ?? (request.mode === 'navigate' ? await caches.match('./index.html') : undefined)
        if (kept !== undefined) return kept
        throw error
      }
    })(),
  )
})
