package store

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/superblock"
	"github.com/projstore/projstore/vfs"
)

// MaxKeySize is the longest key a table accepts.
const MaxKeySize = 1024

// MaxValueSize is the largest value a table accepts.
const MaxValueSize = btree.MaxValue

// Errors returned by the store. Wrapped errors match them with errors.Is.
var (
	ErrNotFound           = errors.New("projstore: key not found")
	ErrPositionAhead      = errors.New("projstore: position is ahead of the applied position")
	ErrPruned             = errors.New("projstore: position is below the retention horizon")
	ErrNonSequentialBatch = errors.New("projstore: batch is not the next in log order")
	ErrKeyTooLarge        = errors.New("projstore: key too large")
	ErrValueTooLarge      = errors.New("projstore: value too large")
	ErrEmptyKey           = errors.New("projstore: empty key")
	ErrClosed             = errors.New("projstore: store is closed")
	ErrReadOnly           = pager.ErrReadOnly
	ErrCorrupt            = page.ErrCorrupt
	// ErrBadOp: an op of unknown kind, or carrying fields its kind has none of.
	ErrBadOp = batch.ErrBadOp
	// ErrNewerFormat: Open refuses a file written by a newer format version.
	ErrNewerFormat = superblock.ErrNewerVersion
	// ErrOlderFormat: Open refuses a file of an older format version.
	ErrOlderFormat = superblock.ErrOlderVersion
	// ErrNotDatabase: Open found no projstore superblock in the file.
	ErrNotDatabase = superblock.ErrNotDatabase
	// ErrLocked: another process (or another open Store) holds the file.
	ErrLocked = vfs.ErrLocked
	// ErrDiskFull: a change needed the file to grow and the disk had no
	// room (the error also matches the file system's own, such as
	// syscall.ENOSPC). The store must be reopened; Prune and DropTable
	// then still commit, in the file's reserve, and free space.
	ErrDiskFull = errors.New("projstore: disk full")
)

// diskFull marks err, if the disk ran out of space, as ErrDiskFull too.
func diskFull(err error) error {
	if errors.Is(err, syscall.ENOSPC) && !errors.Is(err, ErrDiskFull) {
		return fmt.Errorf("%w (Prune and DropTable can still free space after reopening): %w", ErrDiskFull, err)
	}
	return err
}

// LockedError reports a file Open could not have because another process
// holds it, after waiting Options.LockTimeout. It matches ErrLocked.
type LockedError struct {
	Path   string
	Waited time.Duration
	Err    error
}

func (e *LockedError) Error() string {
	if e.Waited > 0 {
		return fmt.Sprintf("projstore: open %s: another process holds the file (waited %v)", e.Path, e.Waited)
	}
	return fmt.Sprintf("projstore: open %s: another process holds the file", e.Path)
}

func (e *LockedError) Unwrap() error { return e.Err }

// CorruptionError names a page whose contents cannot be trusted. It matches
// ErrCorrupt.
type CorruptionError = page.CorruptionError

// NonSequentialError reports a batch that would leave a gap in the log.
type NonSequentialError struct {
	Expected, Got batch.Offset
}

func (e *NonSequentialError) Error() string {
	return fmt.Sprintf("projstore: batch at position %d, expected %d", e.Got, e.Expected)
}

// Is makes errors.Is(err, ErrNonSequentialBatch) hold.
func (e *NonSequentialError) Is(target error) bool { return target == ErrNonSequentialBatch }
