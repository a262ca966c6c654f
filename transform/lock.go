package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockHolder is written into the lock file so that a second process can say who holds it.
type lockHolder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

func (l *Lake) lock() (release func() error, err error) {
	name := l.lockPath()
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", name, err)
	}
	// flock belongs to the open file, so the kernel drops it when its process dies: a crashed
	// run never blocks the next one.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s) that is syncing %s; wait for it to finish, or stop that process and run again",
				ErrLocked, describeHolder(f), l.dir)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	host, _ := os.Hostname()
	data, _ := json.Marshal(lockHolder{PID: os.Getpid(), Host: host, Since: time.Now().UTC()})
	if err := writeHolder(f, data); err != nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		return nil, fmt.Errorf("write lock %s: %w", name, err)
	}
	return func() error {
		// Clear the holder first so that nobody reads a stale name after we let go.
		terr := f.Truncate(0)
		uerr := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		cerr := f.Close()
		if err := errors.Join(terr, uerr, cerr); err != nil {
			return fmt.Errorf("release lock %s: %w", name, err)
		}
		return nil
	}, nil
}

func writeHolder(f *os.File, data []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	return f.Sync()
}

func describeHolder(f *os.File) string {
	data := make([]byte, 4096)
	n, _ := f.ReadAt(data, 0)
	var h lockHolder
	if n == 0 || json.Unmarshal(data[:n], &h) != nil {
		return "holder unknown"
	}
	return fmt.Sprintf("pid %d on %s, since %s", h.PID, h.Host, h.Since.Format(time.RFC3339))
}
