package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/raftbench/raftbench/bench"
)

// defaultOutRoot is where runs go unless -out says otherwise (git-ignored).
const defaultOutRoot = "raftbench-out"

// trialsFile is streamed into the output folder while the sweep runs.
const trialsFile = "trials.csv"

// outFolder is a run's output folder. It is made, and shown writable by
// creating trials.csv in it, before the first trial; trials.csv then grows
// as trials finish, so nothing that finished is lost to a later failure.
//
// The rules: with no -out, a new folder raftbench-out/YYYYMMDD-HHMMSS,
// or the first of -2, -3, … that does not exist yet, made with one
// os.Mkdir each, so runs started in the same second never share one. With
// -out DIR, DIR is made (and its parents) if it does not exist; an existing
// DIR is used only if it is an empty folder that is not read-only, and the
// results are written into it. An existing folder is never removed,
// renamed over or replaced.
type outFolder struct {
	dir    string
	made   bool // this run made dir (else: an empty folder the user named)
	file   *os.File
	trials *bench.TrialsCSVWriter
	count  int   // trials written to, or waiting for, trials.csv
	err    error // the first error streaming trials.csv
}

// openOutFolder makes or claims the output folder: nil for -out= (no
// folder). Its errors are the user's to fix (another -out).
func openOutFolder(flagValue string, set bool, now time.Time, settings []bench.Setting, o bench.Options) (*outFolder, error) {
	if set && flagValue == "" {
		return nil, nil
	}
	var f *outFolder
	var err error
	if set {
		f, err = claimFolder(flagValue)
	} else {
		f, err = newTimestampedFolder(now)
	}
	if err != nil {
		return nil, err
	}
	file, err := os.OpenFile(filepath.Join(f.dir, trialsFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) { // another run claimed the same empty folder first
		return nil, errors.New("folder exists and is not empty; choose a new one")
	}
	if err != nil {
		f.remove()
		return nil, fmt.Errorf("folder is not writable: %v", err)
	}
	f.file = file
	if f.trials, err = bench.NewTrialsCSVWriter(file, settings, o); err != nil {
		f.remove()
		return nil, fmt.Errorf("folder is not writable: %v", err)
	}
	return f, nil
}

func newTimestampedFolder(now time.Time) (*outFolder, error) {
	if err := os.MkdirAll(defaultOutRoot, 0o755); err != nil {
		return nil, err
	}
	base := filepath.Join(defaultOutRoot, now.Format("20060102-150405"))
	dir := base
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return &outFolder{dir: dir, made: true}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

func claimFolder(dir string) (*outFolder, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	err := os.Mkdir(dir, 0o755)
	if err == nil {
		return &outFolder{dir: dir, made: true}, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errors.New("exists and is not a folder; choose a new one")
	}
	// Checked by its mode, not by trying: root may write anywhere, but a
	// folder someone made read-only is not for results.
	if fi.Mode().Perm()&0o200 == 0 {
		return nil, errors.New("folder is read-only; choose another")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if len(entries) > 0 {
		return nil, errors.New("folder exists and is not empty; choose a new one")
	}
	return &outFolder{dir: dir}, nil
}

// remove undoes openOutFolder when the run stops before its first trial:
// trials.csv goes, and the folder too if this run made it.
func (f *outFolder) remove() {
	if f.file != nil {
		f.file.Close()
	}
	os.Remove(filepath.Join(f.dir, trialsFile))
	if f.made {
		os.Remove(f.dir)
	}
}

// add streams one finished trial (bench.SweepEach calls it from one
// goroutine at a time).
func (f *outFolder) add(r bench.Result) {
	f.count++
	if f.err == nil {
		f.err = f.trials.Add(r)
	}
}

// closeTrials writes what still waits for an earlier trial that never
// finished, and closes trials.csv.
func (f *outFolder) closeTrials() error {
	if f.err == nil {
		f.err = f.trials.Close()
	}
	if err := f.file.Close(); f.err == nil {
		f.err = err
	}
	if f.err != nil {
		return fmt.Errorf("%s: %w", trialsFile, f.err)
	}
	return nil
}

// writeRest writes the files made from the whole sweep, each whole or not
// at all, then the report (extra).
func (f *outFolder) writeRest(s *bench.Summary, extra func(dir string) error) error {
	files := []struct {
		name   string
		format bench.Format
	}{{"summary.json", bench.FormatJSON}, {"summary.csv", bench.FormatCSV}, {"table.txt", bench.FormatTable}}
	for _, file := range files {
		var b bytes.Buffer
		if err := file.format.Write(&b, s); err != nil {
			return fmt.Errorf("%s: %w", file.name, err)
		}
		if err := writeFileAtomic(filepath.Join(f.dir, file.name), b.Bytes()); err != nil {
			return fmt.Errorf("%s: %w", file.name, err)
		}
	}
	if extra != nil {
		if err := extra(f.dir); err != nil {
			return fmt.Errorf("the report: %w (trials.csv and summary.json are written; rebuild the report with raftbench report %s)", err, f.dir)
		}
	}
	return nil
}

// writeFileAtomic writes name through a temporary file beside it, so name
// is never half-written.
func writeFileAtomic(name string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
