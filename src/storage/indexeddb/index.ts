export { createIndexedDbStorage, type IndexedDbStorage, type IndexedDbStorageOptions, type IndexedDbStorageStats } from './adapter.js'
export { createBrowserStorage, type BrowserStorageOptions } from './fallback.js'
