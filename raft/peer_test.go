package raft_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim/vtime"
)

// scriptedRuntime is virtual time whose random draws are scripted, so a test
// knows every election timeout in advance.
type scriptedRuntime struct {
	*vtime.Scheduler
	draws []int64 // consumed in order; each is taken modulo n
}

func (r *scriptedRuntime) Int64N(n int64) int64 {
	if len(r.draws) == 0 {
		return 0
	}
	d := r.draws[0]
	r.draws = r.draws[1:]
	return d % n
}

// recordingTransport notes every call and answers with a fixed reply.
type recordingTransport struct {
	rt       raft.Runtime
	mu       sync.Mutex
	votes    []time.Duration
	beats    []time.Duration
	voteResp raft.RequestVoteReply
}

func (tr *recordingTransport) RequestVote(_ context.Context, from, to int, args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) bool {
	tr.mu.Lock()
	tr.votes = append(tr.votes, tr.rt.Now())
	tr.mu.Unlock()
	*reply = tr.voteResp
	return true
}

func (tr *recordingTransport) AppendEntries(_ context.Context, from, to int, args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) bool {
	tr.mu.Lock()
	tr.beats = append(tr.beats, tr.rt.Now())
	tr.mu.Unlock()
	reply.Term = args.Term
	reply.Success = true
	return true
}

type memPersister struct{ data []byte }

func (p *memPersister) ReadRaftState() []byte { return p.data }
func (p *memPersister) Save(b []byte)         { p.data = append([]byte(nil), b...) }

var ms = time.Millisecond

func newPeer(t *testing.T, rt raft.Runtime, tr raft.Transport, p raft.Persister, last raft.LogPosition) *raft.Raft {
	t.Helper()
	rf, err := raft.Make(0, 3, raft.Config{HeartbeatInterval: 50 * ms, ElectionTimeoutMin: 100 * ms, ElectionTimeoutMax: 300 * ms},
		raft.Deps{Runtime: rt, Transport: tr, Persister: p, LastLog: last})
	if err != nil {
		t.Fatal(err)
	}
	return rf
}

// The election ticker must fire at the deadline exactly in virtual time,
// including when a reset moves the deadline earlier than the one the ticker
// went to sleep on.
func TestElectionFiresAtDeadline(t *testing.T) {
	s := vtime.New(1)
	// Start draws 200 (timeout 300ms); the heartbeat at 50ms draws 0
	// (timeout 100ms, deadline 150ms, earlier than 300ms).
	rt := &scriptedRuntime{Scheduler: s, draws: []int64{200 * int64(ms), 0}}
	tr := &recordingTransport{rt: rt, voteResp: raft.RequestVoteReply{Term: 0}}
	rf := newPeer(t, rt, tr, &memPersister{}, raft.LogPosition{})
	rf.Start()
	s.Go(func() {
		s.Sleep(50 * ms)
		rf.AppendEntries(context.Background(), &raft.AppendEntriesArgs{Term: 0, LeaderId: 1}, &raft.AppendEntriesReply{})
	})
	if err := s.RunFor(151 * ms); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if len(tr.votes) != 2 || tr.votes[0] != 150*ms {
		t.Fatalf("RequestVotes sent at %v; want two at exactly 150ms", tr.votes)
	}
	if term, lead := rf.GetState(); term != 1 || lead {
		t.Fatalf("after timing out: term %d, leader %v; want 1, false", term, lead)
	}
}

func TestCandidateWinsAndSendsHeartbeats(t *testing.T) {
	s := vtime.New(1)
	rt := &scriptedRuntime{Scheduler: s, draws: []int64{0}} // timeout 100ms
	tr := &recordingTransport{rt: rt, voteResp: raft.RequestVoteReply{Term: 1, VoteGranted: true}}
	rf := newPeer(t, rt, tr, &memPersister{}, raft.LogPosition{})
	rf.Start()
	defer s.Stop()
	if err := s.RunFor(220 * ms); err != nil {
		t.Fatal(err)
	}
	if term, lead := rf.GetState(); term != 1 || !lead {
		t.Fatalf("term %d, leader %v; want leader of term 1", term, lead)
	}
	// Elected at 100ms; rounds at 100, 150, 200ms, two peers each.
	want := []time.Duration{100 * ms, 100 * ms, 150 * ms, 150 * ms, 200 * ms, 200 * ms}
	if len(tr.beats) != len(want) {
		t.Fatalf("heartbeats at %v; want %v", tr.beats, want)
	}
	for i := range want {
		if tr.beats[i] != want[i] {
			t.Fatalf("heartbeats at %v; want %v", tr.beats, want)
		}
	}
}

func TestLeaderStepsDownOnHigherTerm(t *testing.T) {
	s := vtime.New(1)
	rt := &scriptedRuntime{Scheduler: s, draws: []int64{0}}
	tr := &recordingTransport{rt: rt, voteResp: raft.RequestVoteReply{Term: 1, VoteGranted: true}}
	p := &memPersister{}
	rf := newPeer(t, rt, tr, p, raft.LogPosition{})
	rf.Start()
	defer s.Stop()
	must(t, s.RunFor(120*ms))
	s.Go(func() {
		reply := &raft.AppendEntriesReply{}
		rf.AppendEntries(context.Background(), &raft.AppendEntriesArgs{Term: 4, LeaderId: 2}, reply)
		if !reply.Success || reply.Term != 4 {
			t.Errorf("AppendEntries from the term-4 leader: %+v", reply)
		}
	})
	must(t, s.RunFor(ms))
	if term, lead := rf.GetState(); term != 4 || lead {
		t.Fatalf("term %d, leader %v; want follower in term 4", term, lead)
	}
	if term, vote, _ := raft.DecodeState(p.data); term != 4 || vote != -1 {
		t.Fatalf("disk holds term %d vote %d; want 4, -1", term, vote)
	}
	beats := len(tr.beats)
	must(t, s.RunFor(60*ms))
	if len(tr.beats) != beats {
		t.Fatal("a deposed leader kept sending heartbeats")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// callHandler runs f as a task (handlers may only run inside the runtime).
func callHandler(t *testing.T, s *vtime.Scheduler, f func()) {
	t.Helper()
	s.Go(f)
	must(t, s.RunFor(0))
}

func TestRequestVoteRules(t *testing.T) {
	mine := raft.LogPosition{Index: 10, Term: 3}
	cases := []struct {
		name        string
		diskTerm    int
		diskVote    int
		args        raft.RequestVoteArgs
		wantGranted bool
		wantTerm    int // reply term and term afterwards
		wantVote    int // votedFor on disk afterwards
	}{
		{"stale term", 5, -1, raft.RequestVoteArgs{Term: 4, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, false, 5, -1},
		{"fresh vote", 5, -1, raft.RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, true, 5, 1},
		{"already voted for another", 5, 2, raft.RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, false, 5, 2},
		{"same candidate asks again", 5, 1, raft.RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, true, 5, 1},
		{"higher term clears old vote", 5, 2, raft.RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, true, 6, 1},
		{"shorter log same term", 5, -1, raft.RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 9, LastLogTerm: 3}, false, 6, -1},
		{"older last term", 5, -1, raft.RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 99, LastLogTerm: 2}, false, 6, -1},
		{"newer last term, shorter", 5, -1, raft.RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 1, LastLogTerm: 4}, true, 6, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := vtime.New(1)
			defer s.Stop()
			p := &memPersister{data: raft.EncodeState(tc.diskTerm, tc.diskVote)}
			rf := newPeer(t, s, &recordingTransport{rt: s}, p, mine)
			if term, _ := rf.GetState(); term != tc.diskTerm {
				t.Fatalf("Make restored term %d; disk holds %d", term, tc.diskTerm)
			}
			reply := &raft.RequestVoteReply{}
			callHandler(t, s, func() { rf.RequestVote(context.Background(), &tc.args, reply) })
			if reply.VoteGranted != tc.wantGranted || reply.Term != tc.wantTerm {
				t.Fatalf("reply %+v; want granted=%v term=%d", reply, tc.wantGranted, tc.wantTerm)
			}
			term, vote, err := raft.DecodeState(p.data)
			if err != nil || term != tc.wantTerm || vote != tc.wantVote {
				t.Fatalf("disk holds term %d vote %d (%v); want %d, %d", term, vote, err, tc.wantTerm, tc.wantVote)
			}
		})
	}
}

func TestAppendEntriesRejectsStaleLeader(t *testing.T) {
	s := vtime.New(1)
	defer s.Stop()
	p := &memPersister{data: raft.EncodeState(7, 3)}
	rf := newPeer(t, s, &recordingTransport{rt: s}, p, raft.LogPosition{})
	reply := &raft.AppendEntriesReply{}
	callHandler(t, s, func() {
		rf.AppendEntries(context.Background(), &raft.AppendEntriesArgs{Term: 6, LeaderId: 1}, reply)
	})
	if reply.Success || reply.Term != 7 {
		t.Fatalf("stale leader got %+v; want rejection with term 7", reply)
	}
}

func TestMakeRejectsBadInput(t *testing.T) {
	s := vtime.New(1)
	good := raft.Deps{Runtime: s, Transport: &recordingTransport{rt: s}, Persister: &memPersister{}}
	cfg := raft.DefaultConfig()
	if _, err := raft.Make(3, 3, cfg, good); err == nil {
		t.Error("peer 3 of 3 accepted")
	}
	if _, err := raft.Make(0, 3, raft.Config{}, good); err == nil {
		t.Error("zero config accepted")
	}
	if _, err := raft.Make(0, 3, cfg, raft.Deps{Runtime: s}); err == nil {
		t.Error("missing transport and persister accepted")
	}
	if _, err := raft.Make(0, 3, cfg, raft.Deps{Runtime: s, Transport: good.Transport, Persister: &memPersister{data: []byte{0xff}}}); err == nil {
		t.Error("corrupt persisted state accepted")
	}
}
