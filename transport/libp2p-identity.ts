/**
 * The node's libp2p key pair, kept through the node's identity store so that
 * a restart keeps the peer id, which is the node id.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { TransportIdentityError } from './libp2p-errors.ts'
import type { IdentityStore } from './transport.ts'

/** Loads the saved key pair, or generates an Ed25519 one and saves it before first use. */
export async function loadOrCreatePrivateKey(identity: IdentityStore): Promise<PrivateKey> {
  const saved = await identity.load()
  if (saved !== undefined) return decodePrivateKey(saved)
  const key = await generateKeyPair('Ed25519')
  // Saved before the node listens: an id that was ever announced must survive a crash.
  await identity.save(privateKeyToProtobuf(key))
  return key
}

function decodePrivateKey(saved: Uint8Array): PrivateKey {
  try {
    return privateKeyFromProtobuf(saved)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new TransportIdentityError(`saved identity is not a libp2p private key (${reason})`, { cause })
  }
}
