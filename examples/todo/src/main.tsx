import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'

// Offline-first: the service worker keeps the app's files, so a reload without a network still
// opens the app; the data itself is kept by trellis in IndexedDB.
if ('serviceWorker' in navigator) void navigator.serviceWorker.register('./sw.js')

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
