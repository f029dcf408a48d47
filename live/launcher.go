package live

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Launcher starts peer processes.
type Launcher interface {
	// Launch starts peer id on its data directory (the same one every
	// time the peer is restarted) and returns once it serves.
	Launch(ctx context.Context, id int) (Process, error)
}

// Process is one running peer process.
type Process interface {
	// Addr is where the peer serves (Raft and Control).
	Addr() string
	// PID is its operating-system process id (on its host).
	PID() int
	// Kill ends it with SIGKILL, as a power failure would, and waits until
	// it is gone.
	Kill() error
	// Exited is closed once the process has ended, for whatever reason.
	Exited() <-chan struct{}
	// Why says how the process ended and the last lines it wrote on its
	// standard error.
	Why() string
}

// LocalLauncher starts peers as child processes of the driver on this
// host, listening on loopback.
type LocalLauncher struct {
	// Command runs a peer: the executable and the arguments before the
	// peer's own flags, e.g. {"/usr/bin/raftbench", "peer"}.
	Command []string
	// DataRoot holds each peer's data directory (peer-0, peer-1, ...).
	DataRoot string
	// StartTimeout bounds how long a peer may take to serve (zero: 10s).
	StartTimeout time.Duration
}

// DataDir is peer id's data directory.
func (l *LocalLauncher) DataDir(id int) string {
	return filepath.Join(l.DataRoot, "peer-"+strconv.Itoa(id))
}

// Launch starts peer id on loopback.
func (l *LocalLauncher) Launch(ctx context.Context, id int) (Process, error) {
	return startPeer(ctx, l.Command, id, "127.0.0.1:0", l.DataDir(id), l.StartTimeout)
}

// startPeer starts a peer process and waits until it serves. The peer's
// standard input is a pipe its parent holds open: if the parent dies,
// however abruptly, the peer reads end of file and exits, so no peer
// outlives the process that started it.
func startPeer(ctx context.Context, command []string, id int, listen, dataDir string, timeout time.Duration) (*localProcess, error) {
	if len(command) == 0 {
		return nil, fmt.Errorf("%w: no command to start peers with", ErrSetup)
	}
	args := append(append([]string(nil), command[1:]...),
		"-id", strconv.Itoa(id), "-listen", listen, "-data", dataDir)
	cmd := exec.Command(command[0], args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &localProcess{cmd: cmd, stdin: stdin, exited: make(chan struct{}), stderr: &tail{max: 20}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: starting peer %d (%s): %v", ErrSetup, id, command[0], err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), ListeningPrefix); ok {
				addr <- a
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case a := <-addr:
		p.addr = a
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%w: peer %d exited on start: %s", ErrSetup, id, p.Why())
	case <-t.C:
		p.Kill()
		return nil, fmt.Errorf("%w: peer %d did not serve within %v", ErrSetup, id, timeout)
	case <-ctx.Done():
		p.Kill()
		return nil, ctx.Err()
	}
}

type localProcess struct {
	cmd     *exec.Cmd
	stdin   io.Closer
	addr    string
	stderr  *tail
	exited  chan struct{}
	waitErr error
	killed  sync.Once
}

func (p *localProcess) Addr() string            { return p.addr }
func (p *localProcess) PID() int                { return p.cmd.Process.Pid }
func (p *localProcess) Exited() <-chan struct{} { return p.exited }

func (p *localProcess) Kill() error {
	var err error
	p.killed.Do(func() {
		err = p.cmd.Process.Signal(syscall.SIGKILL)
		if errors.Is(err, os.ErrProcessDone) {
			err = nil
		}
		<-p.exited
		p.stdin.Close()
	})
	return err
}

func (p *localProcess) Why() string {
	select {
	case <-p.exited:
	default:
		return "running"
	}
	why := "exited"
	if p.waitErr != nil {
		why = p.waitErr.Error()
	}
	if last := p.stderr.String(); last != "" {
		why += ": " + last
	}
	return why
}

// tail keeps the last lines written to it.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  string
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.part + string(b)
	parts := strings.Split(s, "\n")
	t.part = parts[len(parts)-1]
	for _, line := range parts[:len(parts)-1] {
		if line = strings.TrimSpace(line); line != "" {
			t.lines = append(t.lines, line)
		}
	}
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := append([]string(nil), t.lines...)
	if part := strings.TrimSpace(t.part); part != "" {
		lines = append(lines, part)
	}
	return strings.Join(lines, " | ")
}
