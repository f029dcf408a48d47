package sim

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/internal/golden"
	"github.com/raftbench/raftbench/raft"
)

// Transcript tests, in the style of etcd-io/raft's interaction tests: each
// file under testdata/transcripts/ is a sequence of commands, each followed
// by the events the cluster recorded while it ran, so a protocol scenario
// reads as a timeline and a change of behaviour shows as a diff.
//
//	# Comments before a command are kept.
//	cluster nodes=3 timeout=150ms heartbeat=50ms latency=5ms
//	----
//	ok
//
//	run-until stable
//	----
//	     0.000ms  peer 0  follower in term 0
//	   ...
//
// Regenerate the expected output with
//
//	go test ./sim -run Transcript -rewrite
//
// and review the diff. The commands (peers are numbers; "leader" names the
// peer that leads the highest term):
//
//	cluster nodes=N [timeout=150ms..300ms | timeout=150ms] [heartbeat=50ms]
//	        [latency=MODEL] [fsync=MODEL] [loss=P] [rpc-timeout=D] [seed=S]
//	        [rpcs=on] [heartbeats=off]
//	        [prevote=on] [checkquorum=on] [stickiness=on]
//	        [ticks=TICK/HEARTBEAT/ELECTION | hashicorp=HT/ET/LEASE]
//	                            configure a new cluster (MODEL: any of
//	                            LatencyForms; defaults: 3 nodes, 50ms,
//	                            150ms..300ms, no latency, seed 1);
//	                            rpcs=on also prints each RPC's outcome,
//	                            heartbeats=off hides heartbeat lines;
//	                            the last five turn on raft.Config's
//	                            variants (ticks=100ms/1/10 is etcd's
//	                            Ticks, hashicorp=1s/1s/500ms its timing)
//	                            and set heartbeat and timeout to their
//	                            effective values. A pre-vote's RPC line
//	                            shows the term it proposes.
//	link A->B MODEL             latency of messages from A to B
//	boot 0=0ms 1=50ms ...       boot times (default: all at 0)
//	lastlog 0=5/1 1=9/2 ...     synthetic last log index/term per peer
//	run D                       let D pass (starts the cluster)
//	run-until leader|stable [limit=D]
//	                            run until a new leader is elected, or until
//	                            a leader is heard by every live peer on its
//	                            side, a majority (default limit 10s)
//	crash leader|N, restart N, disconnect N, connect N
//	partition 0 | 1 2           split the network; heal ends the split
//	disk                        each peer's persisted term and vote
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata/transcripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			blocks, err := parseTranscript(file)
			if err != nil {
				t.Fatal(err)
			}
			tr := &transcript{t: t}
			defer tr.stop()
			var out strings.Builder
			for i := range blocks {
				b := &blocks[i]
				got, err := tr.do(b.command)
				if err != nil {
					t.Fatalf("%s:%d: %s: %v", file, b.line, b.command, err)
				}
				if got == "" {
					got = "ok\n"
				}
				for _, c := range b.comments {
					out.WriteString(c + "\n")
				}
				fmt.Fprintf(&out, "%s\n----\n%s\n", b.command, got)
			}
			golden.Check(t, file, []byte(strings.TrimSuffix(out.String(), "\n")))
		})
	}
}

// block is one command of a transcript and the output it should give.
type block struct {
	line     int
	comments []string
	command  string
}

func parseTranscript(file string) ([]block, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var blocks []block
	var cur *block
	inOutput := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case inOutput && line == "":
			inOutput, cur = false, nil
		case inOutput:
			// The expected output: regenerated, and compared as a whole file.
		case line == "":
		case cur == nil:
			blocks = append(blocks, block{line: n})
			cur = &blocks[len(blocks)-1]
			fallthrough
		case cur.command == "":
			if strings.HasPrefix(line, "#") {
				cur.comments = append(cur.comments, line)
			} else {
				cur.command = line
			}
		case line == "----":
			inOutput = true
		default:
			return nil, fmt.Errorf("%s:%d: want ---- after the command %q, got %q", file, n, cur.command, line)
		}
	}
	if cur != nil && cur.command == "" {
		return nil, fmt.Errorf("%s: comments at the end with no command", file)
	}
	return blocks, sc.Err()
}

// transcript runs one file's commands against one cluster.
type transcript struct {
	t          testing.TB
	cfg        Config
	configured bool
	c          *Cluster
	seen       int // events already printed
	rpcs       bool
	heartbeats bool
	// What the driver did, for run-until stable: which peers it crashed or
	// disconnected and the partition it set.
	down  map[int]bool
	group []int
}

func (tr *transcript) stop() {
	if tr.c != nil {
		tr.c.Stop()
	}
}

func (tr *transcript) do(command string) (string, error) {
	fields := strings.Fields(command)
	if len(fields) == 0 {
		return "", fmt.Errorf("empty command")
	}
	name, args := fields[0], fields[1:]
	if name == "cluster" {
		// A new cluster replaces the one before, if any.
		tr.stop()
		tr.c, tr.seen = nil, 0
		return "", tr.configure(args)
	}
	if !tr.configured {
		return "", fmt.Errorf("%s before cluster", name)
	}
	switch name {
	case "link", "boot", "lastlog":
		if tr.c != nil {
			return "", fmt.Errorf("%s after the cluster was built", name)
		}
		return "", tr.setup(name, args)
	}
	if err := tr.build(); err != nil {
		return "", err
	}
	var err error
	var note string
	switch name {
	case "run":
		var d time.Duration
		if d, err = oneDuration(args); err == nil {
			tr.c.RunFor(d)
		}
	case "run-until":
		note, err = tr.runUntil(args)
	case "crash", "restart", "disconnect", "connect":
		err = tr.fault(name, args)
	case "partition":
		err = tr.partition(args)
	case "heal":
		tr.c.Heal()
		clear(tr.group)
	case "disk":
		note = tr.disk()
	default:
		err = fmt.Errorf("unknown command %q", name)
	}
	if err != nil {
		return "", err
	}
	out := tr.newEvents() + note
	if err := tr.c.Err(); err != nil {
		out += fmt.Sprintf("error: %v\n", err)
	}
	return out, nil
}

func (tr *transcript) configure(args []string) error {
	tr.cfg = Config{Nodes: 3, Seed: 1, Record: true, Raft: raft.Config{HeartbeatInterval: 50 * time.Millisecond,
		ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond}}
	tr.heartbeats = true
	for _, a := range args {
		key, val, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("argument %q: want key=value", a)
		}
		var err error
		switch key {
		case "nodes":
			tr.cfg.Nodes, err = strconv.Atoi(val)
		case "seed":
			tr.cfg.Seed, err = strconv.ParseUint(val, 10, 64)
		case "timeout":
			lo, hi, isRange := strings.Cut(val, "..")
			if !isRange {
				hi = lo
			}
			tr.cfg.Raft.ElectionTimeoutMin, err = time.ParseDuration(lo)
			if err == nil {
				tr.cfg.Raft.ElectionTimeoutMax, err = time.ParseDuration(hi)
			}
		case "heartbeat":
			tr.cfg.Raft.HeartbeatInterval, err = time.ParseDuration(val)
		case "latency":
			tr.cfg.Network.Latency, err = ParseLatency(val)
		case "fsync":
			tr.cfg.Fsync, err = ParseLatency(val)
		case "loss":
			tr.cfg.Network.Loss, err = strconv.ParseFloat(val, 64)
		case "rpc-timeout":
			tr.cfg.Network.RPCTimeout, err = time.ParseDuration(val)
		case "rpcs":
			tr.rpcs = val == "on"
		case "heartbeats":
			tr.heartbeats = val != "off"
		case "prevote", "checkquorum", "stickiness", "ticks", "hashicorp":
			err = variantSetting(&tr.cfg.Raft, key, val)
		default:
			return fmt.Errorf("unknown setting %q", key)
		}
		if err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
	}
	tr.configured = true
	return nil
}

// setup handles the commands that shape the cluster before it is built.
func (tr *transcript) setup(name string, args []string) error {
	if name == "link" {
		if len(args) != 2 {
			return fmt.Errorf("want link A->B MODEL")
		}
		from, to, ok := strings.Cut(args[0], "->")
		a, err1 := strconv.Atoi(from)
		b, err2 := strconv.Atoi(to)
		lat, err3 := ParseLatency(args[1])
		if !ok || err1 != nil || err2 != nil || err3 != nil {
			return fmt.Errorf("want link A->B MODEL, e.g. link 0->2 5ms")
		}
		if tr.cfg.Network.Links == nil {
			tr.cfg.Network.Links = map[Link]Latency{}
		}
		tr.cfg.Network.Links[Link{a, b}] = lat
		return nil
	}
	for _, a := range args {
		peer, val, ok := strings.Cut(a, "=")
		p, err := strconv.Atoi(peer)
		if !ok || err != nil || p < 0 || p >= tr.cfg.Nodes {
			return fmt.Errorf("argument %q: want PEER=VALUE for a peer in 0..%d", a, tr.cfg.Nodes-1)
		}
		switch name {
		case "boot":
			if tr.cfg.BootDelays == nil {
				tr.cfg.BootDelays = make([]time.Duration, tr.cfg.Nodes)
			}
			if tr.cfg.BootDelays[p], err = time.ParseDuration(val); err != nil {
				return err
			}
		case "lastlog":
			if tr.cfg.LastLog == nil {
				tr.cfg.LastLog = make([]raft.LogPosition, tr.cfg.Nodes)
			}
			if _, err := fmt.Sscanf(val, "%d/%d", &tr.cfg.LastLog[p].Index, &tr.cfg.LastLog[p].Term); err != nil {
				return fmt.Errorf("argument %q: want PEER=INDEX/TERM", a)
			}
		}
	}
	return nil
}

func (tr *transcript) build() error {
	if tr.c != nil {
		return nil
	}
	c, err := NewCluster(tr.cfg)
	if err != nil {
		return err
	}
	tr.c = c
	tr.down = map[int]bool{}
	tr.group = make([]int, tr.cfg.Nodes)
	c.Start()
	return nil
}

// peer reads a peer number, or "leader".
func (tr *transcript) peer(s string) (int, error) {
	if s == "leader" {
		l, ok := tr.c.Leader()
		if !ok {
			return 0, fmt.Errorf("no leader")
		}
		return l, nil
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p >= tr.cfg.Nodes {
		return 0, fmt.Errorf("peer %q: want leader or a number in 0..%d", s, tr.cfg.Nodes-1)
	}
	return p, nil
}

func (tr *transcript) fault(name string, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want %s PEER", name)
	}
	p, err := tr.peer(args[0])
	if err != nil {
		return err
	}
	switch name {
	case "crash":
		tr.down[p] = true
		return tr.c.Crash(p)
	case "restart":
		tr.down[p] = false
		return tr.c.Restart(p)
	case "disconnect":
		tr.down[p] = true
		return tr.c.Disconnect(p)
	default:
		tr.down[p] = false
		return tr.c.Connect(p)
	}
}

func (tr *transcript) partition(args []string) error {
	groups := [][]int{{}}
	for _, a := range args {
		if a == "|" {
			groups = append(groups, []int{})
			continue
		}
		p, err := tr.peer(a)
		if err != nil {
			return err
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], p)
	}
	if err := tr.c.Partition(groups...); err != nil {
		return err
	}
	for g, members := range groups {
		for _, p := range members {
			tr.group[p] = g + 1 // 0 stays "no partition"
		}
	}
	return nil
}

// runUntil runs until a new leader (leader) or a leader every live peer on
// its side has heard (stable), and says when.
func (tr *transcript) runUntil(args []string) (string, error) {
	if len(args) < 1 || len(args) > 2 || (args[0] != "leader" && args[0] != "stable") {
		return "", fmt.Errorf("want run-until leader|stable [limit=D]")
	}
	limit := 10 * time.Second
	if len(args) == 2 {
		v, ok := strings.CutPrefix(args[1], "limit=")
		d, err := time.ParseDuration(v)
		if !ok || err != nil {
			return "", fmt.Errorf("argument %q: want limit=DURATION", args[1])
		}
		limit = d
	}
	leader, term := -1, 0
	if args[0] == "stable" {
		if l, ok := tr.c.Leader(); ok {
			leader = l
			term, _ = tr.c.State(l)
		}
	}
	heard := map[int]bool{}
	stable := func() bool {
		if leader < 0 {
			return false
		}
		for p := range tr.cfg.Nodes {
			if p != leader && !tr.down[p] && tr.group[p] == tr.group[leader] && !heard[p] {
				return false
			}
		}
		return 2*(len(heard)+1) > tr.cfg.Nodes // a leader in a minority is not stable
	}
	// The stop condition runs with a peer's lock held: it reads only the
	// event and the driver's own bookkeeping.
	reached := tr.c.RunUntil(limit, func(e Event) bool {
		switch {
		case e.Kind == StateChange && e.Role == raft.Leader:
			leader, term = e.Peer, e.Term
			clear(heard)
			if args[0] == "leader" {
				return true
			}
		case e.Kind == StateChange && e.Peer == leader:
			leader = -1
		case e.Kind == Heartbeat && e.Term == term && e.Other == leader:
			heard[e.Peer] = true
		}
		return stable()
	})
	at := fmt.Sprintf("%.3fms", float64(tr.c.Now())/float64(time.Millisecond))
	if !reached {
		return fmt.Sprintf("%s: not reached within %v\n", args[0], limit), nil
	}
	return fmt.Sprintf("%s at %s: leader %d in term %d\n", args[0], at, leader, term), nil
}

// disk prints what each peer has persisted.
func (tr *transcript) disk() string {
	var b strings.Builder
	for p, s := range tr.c.net.stores {
		data := s.read()
		term, vote, err := raft.DecodeState(data)
		switch {
		case len(data) == 0:
			fmt.Fprintf(&b, "peer %d: nothing written\n", p)
		case err != nil:
			fmt.Fprintf(&b, "peer %d: %v\n", p, err)
		case vote < 0:
			fmt.Fprintf(&b, "peer %d: term %d, no vote\n", p, term)
		default:
			fmt.Fprintf(&b, "peer %d: term %d, voted for %d\n", p, term, vote)
		}
	}
	return b.String()
}

// newEvents prints the events recorded since the last command.
func (tr *transcript) newEvents() string {
	events := tr.c.Events()
	var b strings.Builder
	for _, e := range events[tr.seen:] {
		switch {
		case e.Kind == RPCDone && !tr.rpcs:
		case (e.Kind == Heartbeat || e.Kind == HeartbeatRound) && !tr.heartbeats:
		default:
			b.WriteString(e.String() + "\n")
		}
	}
	tr.seen = len(events)
	return b.String()
}

func oneDuration(args []string) (time.Duration, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("want one duration")
	}
	return time.ParseDuration(args[0])
}

// variantSetting applies one of the cluster command's variant settings.
func variantSetting(cfg *raft.Config, key, val string) error {
	on := val == "on"
	switch key {
	case "prevote":
		cfg.PreVote = on
	case "checkquorum":
		cfg.CheckQuorum = on
	case "stickiness":
		cfg.LeaderStickiness = on
	case "ticks":
		var t raft.Ticks
		parts := strings.Split(val, "/")
		if len(parts) != 3 {
			return fmt.Errorf("want TICK/HEARTBEAT/ELECTION, e.g. 100ms/1/10")
		}
		var err1, err2, err3 error
		t.Tick, err1 = time.ParseDuration(parts[0])
		t.HeartbeatTick, err2 = strconv.Atoi(parts[1])
		t.ElectionTick, err3 = strconv.Atoi(parts[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return err
		}
		cfg.Ticks = &t
		// The effective durations: heartbeats every HeartbeatTick ticks,
		// timeouts of ElectionTick to 2*ElectionTick-1 ticks.
		cfg.HeartbeatInterval = time.Duration(t.HeartbeatTick) * t.Tick
		cfg.ElectionTimeoutMin = time.Duration(t.ElectionTick) * t.Tick
		cfg.ElectionTimeoutMax = time.Duration(2*t.ElectionTick-1) * t.Tick
	case "hashicorp":
		var h raft.HashicorpTiming
		parts := strings.Split(val, "/")
		if len(parts) != 3 {
			return fmt.Errorf("want HT/ET/LEASE, e.g. 1s/1s/500ms")
		}
		var err1, err2, err3 error
		h.HeartbeatTimeout, err1 = time.ParseDuration(parts[0])
		h.ElectionTimeout, err2 = time.ParseDuration(parts[1])
		h.LeaderLeaseTimeout, err3 = time.ParseDuration(parts[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return err
		}
		cfg.Hashicorp = &h
		cfg.HeartbeatInterval = h.HeartbeatTimeout / 10
		cfg.ElectionTimeoutMin = h.HeartbeatTimeout
		cfg.ElectionTimeoutMax = 2 * h.HeartbeatTimeout
	}
	return nil
}
