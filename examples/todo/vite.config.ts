import { fileURLToPath } from 'node:url'
import { exampleConfig } from '../vite.shared.ts'

export default exampleConfig(fileURLToPath(new URL('.', import.meta.url)))
