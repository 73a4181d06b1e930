import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { TrellisProvider } from 'trellis/react'
import { App } from './App'
import { db } from './db'

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <TrellisProvider db={db}>
      <App />
    </TrellisProvider>
  </StrictMode>,
)
