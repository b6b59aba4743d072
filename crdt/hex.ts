/** Lowercase hex of `bytes`: the form of Automerge actor ids and of Y.Doc guids drawn here. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
