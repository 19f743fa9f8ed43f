// How an in-memory query path (the last-value cache, the tag value index) is used: the switch
// tests turn to prove each path answers exactly as chDB does. Types only.

/**
 * auto: the path answers once its data is loaded (the first query loads it in the background and
 * reads chDB meanwhile); on: a query waits for the load and then answers from memory; off: never.
 */
export type InMemoryMode = 'auto' | 'on' | 'off';
export const IN_MEMORY_MODES: readonly InMemoryMode[] = ['auto', 'on', 'off'];
