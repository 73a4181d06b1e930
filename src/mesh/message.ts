/**
 * One wire message: a JSON object from a hostile peer. Fields are read with
 * own-property checks only (see `field`), never trusted to have a shape.
 */
export type WireMessage = Record<string, unknown>

/** An own field of a message, or undefined. Inherited names (`constructor`) are never fields. */
export function field(msg: WireMessage, name: string): unknown {
  return Object.hasOwn(msg, name) ? msg[name] : undefined
}

export function stringField(msg: WireMessage, name: string): string | undefined {
  const value = field(msg, name)
  return typeof value === 'string' ? value : undefined
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Gun's error texts for frames it cannot take, sent back as `{"dam":"!","err":…}`. */
export const FRAME_TOO_BIG = 'Message too big!'
export const FRAME_PARSE_ERROR = 'DAM JSON parse error.'

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** `{"#":id,"put":…}` around a graph already in JSON text. */
export function putMessageText(id: string, putText: string): string {
  return '{"#":' + JSON.stringify(id) + ',"put":' + putText + '}'
}
