package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// stateFile is the name of a peer's term-and-vote file in its data
// directory.
const stateFile = "raft-state"

// recordSize is the fixed size of the record: a length, the state
// (raft.EncodeState, at most 20 bytes), a CRC32 of both. It fits in one disk
// sector, so a write of it is not torn on any disk raftbench runs on, and it
// is rewritten in place: one write and one fsync per save, as LogCabin and
// etcd pay (they append to a log and sync it), not the two syncs of a
// rename.
const recordSize = 32

// FilePersister keeps a peer's currentTerm and votedFor in a file that it
// syncs to stable storage on every Save, so that nothing the peer answers
// after a Save can be forgotten by a crash.
type FilePersister struct {
	mu    sync.Mutex
	f     *os.File
	state []byte
}

// OpenFilePersister opens (creating if needed) the state file in dir and
// reads what it holds. A file that is present but damaged is an error: a
// peer must never start from a state it cannot trust.
func OpenFilePersister(dir string) (*FilePersister, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, stateFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	buf := make([]byte, recordSize)
	n, err := io.ReadFull(f, buf)
	p := &FilePersister{f: f}
	switch {
	case n == 0 && (err == io.EOF):
		// A fresh peer. Make the file's existence durable too, so a crash
		// right after the first save cannot lose the file.
		if err := syncDir(dir); err != nil {
			f.Close()
			return nil, err
		}
		return p, nil
	case err != nil:
		f.Close()
		return nil, fmt.Errorf("%s: %d bytes, want %d: %w", path, n, recordSize, errDamaged)
	}
	state, err := decodeRecord(buf)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p.state = state
	return p, nil
}

var errDamaged = errors.New("damaged state file")

func encodeRecord(state []byte) []byte {
	if len(state) > recordSize-1-4 {
		panic(fmt.Sprintf("live: %d bytes of state do not fit a %d-byte record", len(state), recordSize))
	}
	rec := make([]byte, recordSize)
	rec[0] = byte(len(state))
	copy(rec[1:], state)
	binary.LittleEndian.PutUint32(rec[recordSize-4:], crc32.ChecksumIEEE(rec[:recordSize-4]))
	return rec
}

func decodeRecord(rec []byte) ([]byte, error) {
	if crc32.ChecksumIEEE(rec[:recordSize-4]) != binary.LittleEndian.Uint32(rec[recordSize-4:]) {
		return nil, fmt.Errorf("checksum mismatch: %w", errDamaged)
	}
	n := int(rec[0])
	if n > recordSize-1-4 {
		return nil, fmt.Errorf("length %d: %w", n, errDamaged)
	}
	return append([]byte(nil), rec[1:1+n]...), nil
}

// ReadRaftState returns the state last saved.
func (p *FilePersister) ReadRaftState() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.state...)
}

// Save writes state and returns once the disk reports it stable (fsync).
// The peer calls it with its lock held, so the peer waits for the disk as a
// real server that syncs under its lock does. A failed write panics: the
// peer cannot keep its promise after that, so its process dies and the
// driver counts the trial as failed.
func (p *FilePersister) Save(state []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.f.WriteAt(encodeRecord(state), 0); err != nil {
		panic(fmt.Sprintf("live: saving raft state: %v", err))
	}
	if err := p.f.Sync(); err != nil {
		panic(fmt.Sprintf("live: syncing raft state: %v", err))
	}
	p.state = append(p.state[:0], state...)
}

// Close closes the file.
func (p *FilePersister) Close() error { return p.f.Close() }

// syncDir makes a directory's entries (a file just created) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("data directory %s: sync: %w", dir, err)
	}
	return nil
}
