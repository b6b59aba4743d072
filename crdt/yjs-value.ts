/**
 * Plain JSON of a Y.Doc, computed from replicated content only, so every
 * replica that holds the same updates gives the same value.
 *
 * Enumerating top-level types: Yjs creates them lazily, by name, in
 * `doc.share`, either when local code calls `doc.getMap('m')` (typed) or when
 * an update names them as a parent (untyped: a bare AbstractType until some
 * local code asks for a type). Two replicas may therefore hold the same
 * content under different classes, or one may hold an empty type the other
 * never created. So the class of a top-level type is ignored; its kind is
 * read from its content:
 *
 * - visible list items containing text (ContentString or embeds): a string,
 *   the concatenated text (as `Y.Text#toString`);
 * - visible list items that are all XML nodes: a string, the nodes'
 *   `toString()` joined (as `Y.XmlFragment#toString`);
 * - other visible list items: an array (as `Y.Array#toJSON`);
 * - otherwise visible map entries: an object (as `Y.Map#toJSON`);
 * - nothing visible: left out, so an empty `getMap('m')` on one replica does
 *   not make it differ from one that never called it.
 *
 * Nested types carry their class in the update, so they are read by class:
 * Y.Map → object, Y.Array → array, Y.Text → string, XML types → their XML
 * string. Binary values become arrays of byte values, subdocuments
 * `{ guid }`.
 */
import * as Y from 'yjs'

type AnyType = Y.AbstractType<unknown>
/** The two internal parts of every shared type that hold its content. */
type ListPart = Pick<AnyType, '_start'>
type MapPart = Pick<AnyType, '_map'>

/** The value of every top-level type of `doc` that has visible content, by name. */
export function yjsDocValue(doc: Y.Doc): Record<string, unknown> {
  const entries: Array<[string, unknown]> = []
  for (const [name, type] of doc.share) {
    const value = topLevelValue(type as AnyType)
    if (value !== undefined) entries.push([name, value])
  }
  // fromEntries defines own properties, so a type named "__proto__" stays data.
  return Object.fromEntries(entries)
}

function topLevelValue(type: AnyType): unknown {
  const items = visibleListItems(type)
  if (items.length > 0) {
    if (items.some(isTextItem)) return textOf(items)
    if (items.every(isXmlItem)) return items.map((item) => String(contentOf(item)[0])).join('')
    return listOf(items)
  }
  const entries = visibleMapEntries(type)
  return entries.length > 0 ? Object.fromEntries(entries) : undefined
}

/** A nested shared type, read by its class. */
function typeValue(type: AnyType): unknown {
  if (type instanceof Y.XmlFragment || type instanceof Y.XmlText || type instanceof Y.XmlElement) {
    return type.toString()
  }
  if (type instanceof Y.Text) return textOf(visibleListItems(type))
  if (type instanceof Y.Array) return listOf(visibleListItems(type))
  if (type instanceof Y.Map) return Object.fromEntries(visibleMapEntries(type))
  return topLevelValue(type)
}

/** Items of the type's list part that are not deleted and count towards its length. */
function visibleListItems(type: ListPart): Y.Item[] {
  const items: Y.Item[] = []
  for (let item = type._start; item !== null; item = item.right) {
    if (!item.deleted && item.countable) items.push(item)
  }
  return items
}

/** The current entry of each key of the type's map part (the last item of a key wins, as in Y.Map). */
function visibleMapEntries(type: MapPart): Array<[string, unknown]> {
  const entries: Array<[string, unknown]> = []
  for (const [key, item] of type._map) {
    if (!item.deleted) entries.push([key, jsonOf(contentOf(item)[item.length - 1])])
  }
  return entries
}

function isTextItem(item: Y.Item): boolean {
  return item.content instanceof Y.ContentString || item.content instanceof Y.ContentEmbed
}

function isXmlItem(item: Y.Item): boolean {
  if (!(item.content instanceof Y.ContentType)) return false
  const type = item.content.type
  return type instanceof Y.XmlElement || type instanceof Y.XmlText || type instanceof Y.XmlHook
}

function textOf(items: readonly Y.Item[]): string {
  let text = ''
  for (const item of items) if (item.content instanceof Y.ContentString) text += item.content.str
  return text
}

function listOf(items: readonly Y.Item[]): unknown[] {
  return items.flatMap((item) => contentOf(item).map(jsonOf))
}

function contentOf(item: Y.Item): unknown[] {
  return item.content.getContent() as unknown[]
}

/** A value stored in Yjs (ContentAny, ContentBinary, ContentType, ContentDoc, ...) as plain JSON. */
function jsonOf(value: unknown): unknown {
  if (value instanceof Y.AbstractType) return typeValue(value as AnyType)
  if (value instanceof Y.Doc) return { guid: value.guid }
  if (value instanceof Uint8Array) return Array.from(value)
  if (Array.isArray(value)) return value.map(jsonOf)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, jsonOf(member)]))
  }
  return value
}
