/** Counts in messages. */

/** Returns the count with the noun in the matching number: `1 file`, `2 files`, `0 files`. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
