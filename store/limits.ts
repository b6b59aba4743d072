/**
 * Named bounds of the store, each with its reason. Arguments over a bound are
 * refused with a `StoreLimitError` before anything is written.
 */

/**
 * Longest document name, in UTF-16 code units. The escaped name is part of
 * every key of the document, and LevelDB repeats keys in its index blocks, so
 * long names cost space on every record; 512 leaves room for path-like names.
 */
export const DOC_NAME_LENGTH_MAX = 512

/** Longest metadata key, in UTF-16 code units (same reason as `DOC_NAME_LENGTH_MAX`). */
export const META_KEY_LENGTH_MAX = 512

/** Longest backend name in UTF-8 bytes: it is repeated in every log entry, and real ones are "yjs" or "automerge". */
export const BACKEND_NAME_BYTES_MAX = 64

/** Longest origin (node id) in UTF-8 bytes: peer ids are ~52 characters; every log entry carries one. */
export const ORIGIN_BYTES_MAX = 256

/**
 * Most origins in one covers vector: one per node that ever wrote, so this is
 * a bound on cluster history that a real deployment stays far below.
 */
export const COVERS_ORIGINS_MAX = 100_000

/**
 * Largest record payload (an update, a snapshot, a metadata value). LevelDB
 * keeps a whole value in memory on every read and copies it through its 4 MiB
 * write buffer, so values far beyond that stall writes; 64 MiB still holds the
 * snapshot of a very large document.
 */
export const RECORD_PAYLOAD_BYTES_MAX = 64 * 1024 * 1024

/**
 * Default `compactSnapshotRatio` (compaction-policy.ts): compaction is due
 * once the log holds more bytes than the last snapshot. Snapshots then add at
 * most one byte written per byte appended (plus one snapshot's worth; before
 * LevelDB's own amplification), where a fixed count of 1,000 entries wrote
 * 21.7x the update bytes on B4. A restart replays a log tail no larger than
 * the snapshot it starts from, in one batch. A higher ratio writes fewer
 * snapshots but replays a longer tail.
 */
export const COMPACT_SNAPSHOT_RATIO_DEFAULT = 1

/**
 * Default `compactBytes`: a log of at most this many bytes (sum of the stored
 * record sizes) is never due by size, and this is the threshold before a
 * document's first snapshot. Each compaction costs a snapshot and a batch
 * deleting every entry, a few ms that the appends queued behind it wait for;
 * spread over the ~4,800 small Yjs entries (~55-byte records) of 256 KiB that
 * is under a microsecond per append. A restart applies such a tail in one
 * batch: ~15 ms in a warm process, 60-90 ms in a freshly started one.
 */
export const COMPACT_BYTES_DEFAULT = 256 * 1024

/**
 * Default `compactCount`: compaction is due past this many log entries, however
 * small. Each entry is one update to apply on load, and in a freshly started
 * process an entry costs ~15-30 µs to scan, load and apply (measured on a 3 MB
 * Yjs document: a 5,000-entry tail adds ~150 ms to a ~270 ms snapshot load,
 * a 10,000-entry one ~350 ms). Without the bound, one-character edits
 * (~55-byte records) on a 3 MB document would pile up to ~55,000 entries
 * before the ratio triggers; with it, such a document writes its snapshot
 * every 5,000 edits (~600 bytes per edit: the price of a bounded restart). On
 * B4-sized documents (snapshots up to ~310 KB) the byte ratio triggers first
 * or about as early, and Automerge's larger changes always trigger it first
 * (~1,500 entries on B4, applied in one call in ~0.3 s).
 */
export const COMPACT_COUNT_DEFAULT = 5000

/**
 * Most operations in one group-commit batch. A burst of appends larger than
 * this is split over several batches, so one batch never holds an unbounded
 * amount of memory; 4,096 small updates fit well inside LevelDB's write buffer.
 */
export const GROUP_OPS_MAX = 4096

/** Most payload bytes in one group-commit batch (the batch closes once past it), for the same reason as `GROUP_OPS_MAX`. */
export const GROUP_BYTES_MAX = 16 * 1024 * 1024
