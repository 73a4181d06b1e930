/**
 * A first-in first-out queue without `Array#shift`'s O(n): items are read from a moving head, and the
 * array is cut down once more than half of it (and over 1 024 items) has been read, so a queue that never
 * runs dry does not keep everything it ever held reachable.
 */
export class Fifo<T> {
  private items: T[] = []
  private head = 0

  get size(): number {
    return this.items.length - this.head
  }

  push(item: T): void {
    this.items.push(item)
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head++]
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}
