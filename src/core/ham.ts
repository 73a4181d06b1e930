import type { Value } from './types.js'

/**
 * HAM (Hypothetical Amnesia Machine), exactly as stock Gun executes it for
 * one key of an incoming put:
 *  - a state in the machine's future is deferred until it is due;
 *  - an older state than the one held is historical and dropped;
 *  - on equal states the value whose JSON text is lexically greater wins
 *    (so `null` beats strings, a link beats everything, `9` beats `10`);
 *    equal text is a no-op;
 *  - anything newer is accepted.
 */
export type HamOutcome = 'accept' | 'defer' | 'historical' | 'same' | 'lose'

/** What HAM does with one incoming key (see {@link HamOutcome}), given the machine's present state, the incoming state and value, and the state and value held. */
export function ham(machineState: number, incomingState: number, incomingValue: Value, currentState: number, currentValue: Value | undefined): HamOutcome {
  if (incomingState > machineState) return 'defer'
  if (incomingState < currentState) return 'historical'
  if (incomingState > currentState) return 'accept'
  // Equal states: compare the JSON texts, as Gun does.
  if (incomingValue === currentValue) return 'same'
  const incomingText = valueText(incomingValue)
  const currentText = valueText(currentValue)
  if (incomingText === currentText) return 'same'
  return incomingText > currentText ? 'accept' : 'lose'
}

/**
 * The timeless part of HAM, for stores merging records that are already
 * due: does (incomingState, incomingValue) beat what is held?
 */
export function wins(incomingState: number, incomingValue: Value, currentState: number, currentValue: Value | undefined): boolean {
  if (incomingState !== currentState) return incomingState > currentState
  if (incomingValue === currentValue) return false
  return valueText(incomingValue) > valueText(currentValue)
}

/** JSON text of a value; links are rendered canonically (`{"#":"soul"}`). */
export function valueText(value: Value | undefined): string {
  if (value === undefined) return ''
  if (value !== null && typeof value === 'object') return `{"#":${JSON.stringify(value['#'])}}`
  return JSON.stringify(value)
}
