// Package transform converts archived blobs into the Parquet lake that package amlmon
// describes: JSON lines are decoded into typed Arrow batches, written as zstd Parquet files, and
// recorded in a manifest so that every run reads only what is new.
//
// # The sync
//
// Sync is handed a listing. For each listed blob it asks the manifest what the lake already
// holds of it (sync.go, plan): nothing (read it whole), the same ETag (skip it, no byte is
// downloaded), a longer blob that still starts with the bytes read (read only the new range,
// after checking a fingerprint of the bytes just before where the last run stopped), or
// anything else (read it again whole and let its old rows go). A blob is sealed once its path
// hour is more than two hours old and it has not changed for the settle period; only on a
// sealed blob is an unparseable unterminated last line a reject rather than an append still
// being written.
//
// The decoder works by job, one file each: lines.go reads the stream line by line in a buffer
// of bounded size; wrapper.go unwraps the legacy {"records": [...]} form; record.go scans a
// record's members and finds the typed fields (scan.go is the scanner, coerce.go and
// timestamp.go read values tolerantly); route.go picks the table a record belongs to;
// resourceid.go parses the resource ID into its parts; emit.go appends a row to the Arrow
// batch of its table and date, or rejects the line, and hands full batches on.
//
// # Shared files
//
// An archive holds thousands of small blobs, and a Parquet file costs the same to set up and
// close whatever it holds. Consecutive listed blobs of one container and path date therefore
// form a group (group.go) whose rows share one file per table and date. A group is formed from
// the listing alone and named after the reads it holds, so a rerun after a crash writes the
// same files under the same names. A small blob is held in memory until it is read whole, so
// that a blob failing half way leaves no rows; a large one writes files of its own as it is
// read. When a blob is read again, its old rows leave a shared file by a rewrite of the file
// without them (share.go), and the blobs that stay in it are recorded under the new file.
//
// # The journal, the commit and recovery
//
// Every file of the lake holds rows of the blobs of one manifest file (one container, one path
// date), so each manifest file commits on its own. Converted groups are committed in batches
// by a single committer (commit.go). A commit: makes the new files durable in _amlmon/tmp;
// writes the journal (journal.go), naming for each manifest file the new files, the files they
// make obsolete and the entries the manifest file will hold; renames the new files into the
// lake; rewrites each manifest file atomically; removes the obsolete files; removes the
// journal. The manifest file's rewrite is the instant of the commit.
//
// Recovery (Lock, and Open when the lock is free) reads a journal left behind: where the
// manifest file holds the journal's entries, the commit happened and only the obsolete files
// remain to be removed; otherwise the new files are removed and the lake is as before the
// commit. Then the temporary folder is emptied. A crash at any instant therefore leaves, after
// recovery, every blob either as it was or as read, and a rerun leaves the rows one clean run
// leaves. TestCrashAnywhere kills a sync at every kind of step and proves it.
//
// # The lake's layout and its upgrade
//
// The lake records the version of its layout (format.go) in a file of the journal's folder,
// where an amlmon of the first layout, which recorded none, meets it during recovery and
// refuses the lake instead of writing the old layout into it. A lake of a later layout than
// this package knows is refused (ErrNewerLake).
//
// A lake of an earlier layout is upgraded in place by the next Sync. Lock lists, from the
// manifest and the files, the blobs whose rows move to another table or change, and only
// then records the new layout, so that a crash before leaves the lake as it was. Sync reads
// those blobs again whole when they are listed, whatever their ETag says, like any replaced
// blob: through the same commits, so an upgrade is as crash-safe as any sync
// (TestUpgradeCrashAnywhere). The caller lists them by name even outside its window
// (Upgrading); a blob the source no longer has keeps its rows (KeepAsRead). Once none is
// left, the emptied folders of the tables that moved are removed.
package transform
