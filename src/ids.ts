/**
 * Ids and names every subsystem checks the same way (node ids, document
 * names). A module of its own, below the node facade, so membership and the
 * document registry need not reach up into the node's options for it.
 */

/** Node ids and document names: printable, bounded, no separators that stores or logs would trip on. */
export const ID_PATTERN = /^[A-Za-z0-9._:@+=-]{1,128}$/
