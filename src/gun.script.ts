import Gun from './gun.browser.js'

/**
 * The script-tag build's entry (`npm run build:browser` → dist/browser/gun.js):
 * the browser Gun drop-in, with `Gun.SEA`, as the only export, which the IIFE
 * build names `Gun` — a global, as stock's gun.js + sea.js define it.
 */
export default Gun
