package raft_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim/vtime"
)

// Unit tests of the protocol variants on one peer, with scripted random
// draws so every expected time below is worked out by hand from the config.

// argsTransport records every RequestVote it carries (with its time) and
// answers it with voteResp; AppendEntries succeed while beatsOK holds.
type argsTransport struct {
	rt       raft.Runtime
	mu       sync.Mutex
	asks     []askedVote
	beats    []time.Duration
	voteResp raft.RequestVoteReply
	beatsOK  func(now time.Duration) bool
}

type askedVote struct {
	at   time.Duration
	args raft.RequestVoteArgs
}

func (tr *argsTransport) RequestVote(_ context.Context, from, to int, args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) bool {
	tr.mu.Lock()
	tr.asks = append(tr.asks, askedVote{tr.rt.Now(), *args})
	tr.mu.Unlock()
	*reply = tr.voteResp
	if reply.VoteGranted && !args.PreVote {
		reply.Term = args.Term // a real vote is given in the candidate's term
	}
	return true
}

func (tr *argsTransport) AppendEntries(_ context.Context, from, to int, args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) bool {
	tr.mu.Lock()
	tr.beats = append(tr.beats, tr.rt.Now())
	tr.mu.Unlock()
	if tr.beatsOK != nil && !tr.beatsOK(tr.rt.Now()) {
		return false
	}
	reply.Term, reply.Success = args.Term, true
	return true
}

func (tr *argsTransport) votesAsked() []askedVote {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]askedVote(nil), tr.asks...)
}

func makePeer(t *testing.T, rt raft.Runtime, tr raft.Transport, p raft.Persister, cfg raft.Config) *raft.Raft {
	t.Helper()
	rf, err := raft.Make(0, 3, cfg, raft.Deps{Runtime: rt, Transport: tr, Persister: p})
	if err != nil {
		t.Fatal(err)
	}
	return rf
}

// paperConfig is newPeer's timing: heartbeat 50ms, timeouts 100..300ms.
func paperConfig() raft.Config {
	return raft.Config{HeartbeatInterval: 50 * ms, ElectionTimeoutMin: 100 * ms, ElectionTimeoutMax: 300 * ms}
}

// heartbeat delivers AppendEntries from leader 1 in term at time at.
func heartbeat(s *vtime.Scheduler, rf *raft.Raft, at time.Duration, term int) {
	s.At(at, func() {
		s.Go(func() {
			rf.AppendEntries(context.Background(), &raft.AppendEntriesArgs{Term: term, LeaderId: 1}, &raft.AppendEntriesReply{})
		})
	})
}

// A pre-vote is answered as etcd-io/raft answers it, and changes nothing at
// the voter: not its term, not its vote, not its disk.
func TestPreVoteAnswers(t *testing.T) {
	mine := raft.LogPosition{Index: 10, Term: 3}
	cases := []struct {
		name        string
		diskTerm    int
		diskVote    int
		heardLeader bool // an AppendEntries of diskTerm came first
		args        raft.RequestVoteArgs
		wantGranted bool
	}{
		{"later term, log as good", 5, 2, false, raft.RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, true},
		{"later term, shorter log", 5, -1, false, raft.RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 9, LastLogTerm: 3}, false},
		{"later term, older last term", 5, -1, false, raft.RequestVoteArgs{Term: 7, CandidateId: 1, LastLogIndex: 99, LastLogTerm: 2}, false},
		{"later term, leader heard (no stickiness)", 5, -1, true, raft.RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, true},
		{"lower term", 5, -1, false, raft.RequestVoteArgs{Term: 4, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, false},
		{"same term, voted for the candidate", 5, 1, false, raft.RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, true},
		{"same term, voted for another", 5, 2, false, raft.RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, false},
		{"same term, no vote, no leader", 5, -1, false, raft.RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, true},
		{"same term, no vote, a leader heard", 5, -1, true, raft.RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 3}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := vtime.New(1)
			defer s.Stop()
			disk := raft.EncodeState(tc.diskTerm, tc.diskVote)
			p := &memPersister{data: disk}
			cfg := paperConfig()
			cfg.PreVote = true
			rf, err := raft.Make(0, 3, cfg, raft.Deps{Runtime: s, Transport: &recordingTransport{rt: s}, Persister: p, LastLog: mine})
			if err != nil {
				t.Fatal(err)
			}
			if tc.heardLeader {
				callHandler(t, s, func() {
					rf.AppendEntries(context.Background(), &raft.AppendEntriesArgs{Term: tc.diskTerm, LeaderId: 2}, &raft.AppendEntriesReply{})
				})
			}
			tc.args.PreVote = true
			reply := &raft.RequestVoteReply{}
			callHandler(t, s, func() { rf.RequestVote(context.Background(), &tc.args, reply) })
			if reply.VoteGranted != tc.wantGranted || reply.Term != tc.diskTerm {
				t.Fatalf("reply %+v; want granted=%v with the voter's own term %d", reply, tc.wantGranted, tc.diskTerm)
			}
			if term, _ := rf.GetState(); term != tc.diskTerm {
				t.Fatalf("term %d after a pre-vote; want it unchanged at %d", term, tc.diskTerm)
			}
			if string(p.data) != string(disk) {
				term, vote, _ := raft.DecodeState(p.data)
				t.Fatalf("a pre-vote wrote term %d vote %d; want the disk untouched", term, vote)
			}
		})
	}
}

// A pre-candidate proposes term+1 without adopting it, and stands for real
// only once a majority said yes.
func TestPreCandidateKeepsItsTerm(t *testing.T) {
	for _, granted := range []bool{false, true} {
		s := vtime.New(1)
		rt := &scriptedRuntime{Scheduler: s, draws: []int64{0, 0}} // timeouts of 100ms
		tr := &argsTransport{rt: rt, voteResp: raft.RequestVoteReply{Term: 2, VoteGranted: granted}}
		p := &memPersister{data: raft.EncodeState(2, -1)}
		cfg := paperConfig()
		cfg.PreVote = true
		rf := makePeer(t, rt, tr, p, cfg)
		rf.Start()
		must(t, s.RunFor(101*ms))
		asks := tr.votesAsked()
		s.Stop()
		if len(asks) < 2 || !asks[0].args.PreVote || asks[0].args.Term != 3 || asks[0].at != 100*ms {
			t.Fatalf("granted=%v: first requests %+v; want pre-votes for term 3 at 100ms", granted, asks)
		}
		term, lead := rf.GetState()
		if !granted {
			if len(asks) != 2 || term != 2 || lead {
				t.Fatalf("refused pre-vote: requests %+v, term %d, leader %v; want two pre-votes and term 2 kept", asks, term, lead)
			}
			if diskTerm, _, _ := raft.DecodeState(p.data); diskTerm != 2 {
				t.Fatalf("refused pre-vote: disk holds term %d; want 2", diskTerm)
			}
			continue
		}
		// Granted at once (the transport answers instantly): the real
		// election for term 3 follows at the same instant, and wins.
		if len(asks) != 4 || asks[2].args.PreVote || asks[2].args.Term != 3 || term != 3 || !lead {
			t.Fatalf("granted pre-vote: requests %+v, term %d, leader %v; want real votes for term 3 and leadership", asks, term, lead)
		}
	}
}

// Leader stickiness: within ElectionTimeoutMin of a leader's AppendEntries
// a RequestVote from a later term is refused without adopting the term;
// after it, granted. CheckQuorum turns the same rule on.
func TestStickinessRefusesWhileTheLeaderIsHeard(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*raft.Config)
	}{
		{"LeaderStickiness", func(c *raft.Config) { c.LeaderStickiness = true }},
		{"CheckQuorum", func(c *raft.Config) { c.CheckQuorum = true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := vtime.New(1)
			defer s.Stop()
			rt := &scriptedRuntime{Scheduler: s, draws: []int64{200 * int64(ms), 200 * int64(ms), 200 * int64(ms)}}
			cfg := paperConfig()
			c.set(&cfg)
			p := &memPersister{data: raft.EncodeState(1, -1)}
			rf := makePeer(t, rt, &recordingTransport{rt: rt}, p, cfg)
			rf.Start()
			heartbeat(s, rf, 10*ms, 1)
			var early, late raft.RequestVoteReply
			ask := func(at time.Duration, reply *raft.RequestVoteReply) {
				s.At(at, func() {
					s.Go(func() {
						rf.RequestVote(context.Background(), &raft.RequestVoteArgs{Term: 2, CandidateId: 2}, reply)
					})
				})
			}
			ask(109*ms, &early) // 99ms after the heartbeat
			ask(110*ms, &late)  // 100ms after: the lease is over
			s.At(109*ms+ms/2, func() {
				if term, _, _ := raft.DecodeState(p.data); term != 1 {
					t.Errorf("after the refused vote the disk holds term %d; want 1 (the term not adopted)", term)
				}
			})
			must(t, s.RunFor(111*ms))
			if early.VoteGranted || early.Term != 1 {
				t.Errorf("99ms after the leader: reply %+v; want a refusal in term 1", early)
			}
			if !late.VoteGranted || late.Term != 2 {
				t.Errorf("100ms after the leader: reply %+v; want the vote, in term 2", late)
			}
		})
	}
}

// CheckQuorum: a leader steps down, keeping its term, exactly
// ElectionTimeoutMin after the last moment a majority had answered.
func TestCheckQuorumStepsDownAfterMinTimeout(t *testing.T) {
	s := vtime.New(1)
	defer s.Stop()
	rt := &scriptedRuntime{Scheduler: s, draws: []int64{0}} // stands at 100ms
	// Heartbeats at 100 (election), 150, 200, 250ms... succeed until 160ms.
	tr := &argsTransport{rt: rt, voteResp: raft.RequestVoteReply{VoteGranted: true},
		beatsOK: func(now time.Duration) bool { return now < 160*ms }}
	cfg := paperConfig()
	cfg.CheckQuorum = true
	rf := makePeer(t, rt, tr, &memPersister{}, cfg)
	rf.Start()
	// Last answered round: 150ms. Step down at 150 + 100 = 250ms.
	must(t, s.RunFor(250*ms-1))
	if term, lead := rf.GetState(); term != 1 || !lead {
		t.Fatalf("just before 250ms: term %d, leader %v; want the leader of term 1", term, lead)
	}
	must(t, s.RunFor(1))
	if term, lead := rf.GetState(); term != 1 || lead {
		t.Fatalf("at 250ms: term %d, leader %v; want a follower of term 1", term, lead)
	}
}

// etcd's ticks: a timeout of R ticks counts from the tick at or before the
// last reset, and a heartbeat does not draw a new one.
func TestTicksTimeoutInWholeTicks(t *testing.T) {
	s := vtime.New(1)
	defer s.Stop()
	rt := &scriptedRuntime{Scheduler: s, draws: []int64{2, 4}} // R = 5+2 = 7 ticks
	tr := &argsTransport{rt: rt}
	cfg := paperConfig()
	cfg.Ticks = &raft.Ticks{Tick: 10 * ms, HeartbeatTick: 1, ElectionTick: 5}
	rf := makePeer(t, rt, tr, &memPersister{}, cfg)
	rf.Start()
	// Heartbeats at 23 and 41ms: the last counts from tick 4 (40ms), so the
	// timeout fires at 40 + 7*10 = 110ms (69ms after it), not 41 + 70.
	heartbeat(s, rf, 23*ms, 0)
	heartbeat(s, rf, 41*ms, 0)
	must(t, s.RunFor(200*ms))
	asks := tr.votesAsked()
	if len(asks) == 0 || asks[0].at != 110*ms {
		t.Fatalf("first RequestVote at %+v; want 110ms", asks)
	}
}

// etcd's ticks: a leader heartbeats on its own ticks, every HeartbeatTick.
func TestTicksHeartbeatsOnTicks(t *testing.T) {
	s := vtime.New(1)
	defer s.Stop()
	rt := &scriptedRuntime{Scheduler: s, draws: []int64{0}} // R = 5 ticks: stands at 50ms
	tr := &argsTransport{rt: rt, voteResp: raft.RequestVoteReply{VoteGranted: true}}
	cfg := paperConfig()
	cfg.Ticks = &raft.Ticks{Tick: 10 * ms, HeartbeatTick: 2, ElectionTick: 5}
	rf := makePeer(t, rt, tr, &memPersister{}, cfg)
	s.Go(func() {
		s.Sleep(3 * ms) // the peer's ticks are at 3, 13, 23ms...
		rf.Start()
	})
	must(t, s.RunFor(100*ms))
	// Elected at tick 5 (53ms): rounds then and every 2 ticks: 73, 93ms.
	want := []time.Duration{53 * ms, 53 * ms, 73 * ms, 73 * ms, 93 * ms, 93 * ms}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.beats) != len(want) {
		t.Fatalf("heartbeats at %v; want %v", tr.beats, want)
	}
	for i := range want {
		if tr.beats[i] != want[i] {
			t.Fatalf("heartbeats at %v; want %v", tr.beats, want)
		}
	}
}

// hashicorp's follower checks its last contact at random [HT, 2HT)
// intervals and does not reset on heartbeats.
func TestHashicorpFollowerNoticesAtItsNextCheck(t *testing.T) {
	s := vtime.New(1)
	defer s.Stop()
	// Draws: the first check at 100+50 = 150ms; the next at 150+0+100 = 250ms.
	rt := &scriptedRuntime{Scheduler: s, draws: []int64{50 * int64(ms), 0}}
	tr := &argsTransport{rt: rt}
	cfg := paperConfig()
	cfg.Hashicorp = &raft.HashicorpTiming{HeartbeatTimeout: 100 * ms, ElectionTimeout: 100 * ms, LeaderLeaseTimeout: 50 * ms}
	rf := makePeer(t, rt, tr, &memPersister{}, cfg)
	rf.Start()
	// The leader's last word is at 60ms. At the 150ms check it is 90ms
	// old, under HT: check again at 250ms, where it is 190ms old: stand.
	heartbeat(s, rf, 60*ms, 0)
	must(t, s.RunFor(300*ms))
	asks := tr.votesAsked()
	if len(asks) == 0 || asks[0].at != 250*ms {
		t.Fatalf("first RequestVote at %+v; want 250ms (a paper follower would stand 100..300ms after 60ms)", asks)
	}
}

// hashicorp's follower starts its check timer when it becomes a follower
// (runFollower), not when its term moves: a follower that hears a new
// leader's AppendEntries, or grants a vote, in a newer term stays in
// runFollower's loop and keeps the timer's phase. Re-arming it there put
// every follower's next check one fresh [HT, 2HT) after the first leader
// was elected, and raftbench's hashicorp failed over ~20% sooner than
// hashicorp/raft v1.8.0 measured (docs/variants.md).
func TestHashicorpFollowerKeepsItsCheckAcrossTerms(t *testing.T) {
	for _, c := range []struct {
		name    string
		newTerm func(s *vtime.Scheduler, rf *raft.Raft)
	}{
		{"leader of a newer term heard", func(s *vtime.Scheduler, rf *raft.Raft) { heartbeat(s, rf, 120*ms, 1) }},
		{"vote granted in a newer term", func(s *vtime.Scheduler, rf *raft.Raft) {
			s.At(120*ms, func() {
				s.Go(func() {
					var reply raft.RequestVoteReply
					rf.RequestVote(context.Background(), &raft.RequestVoteArgs{Term: 1, CandidateId: 2}, &reply)
					if !reply.VoteGranted {
						t.Errorf("vote for 2 in term 1 refused: %+v", reply)
					}
				})
			})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := vtime.New(1)
			defer s.Stop()
			// Draws: the boot check at 100+50 = 150ms; the next 100+0 after
			// the check that re-arms it.
			rt := &scriptedRuntime{Scheduler: s, draws: []int64{50 * int64(ms), 0}}
			tr := &argsTransport{rt: rt}
			cfg := paperConfig()
			cfg.Hashicorp = &raft.HashicorpTiming{HeartbeatTimeout: 100 * ms, ElectionTimeout: 100 * ms, LeaderLeaseTimeout: 50 * ms}
			rf := makePeer(t, rt, tr, &memPersister{}, cfg)
			rf.Start()
			// Contact at 120ms in term 1. The boot timer's check at 150ms
			// finds it 30ms old and re-arms for 250ms, where it is 130ms old:
			// stand at 250ms. A timer restarted at 120ms would check, and
			// stand, at 220ms.
			c.newTerm(s, rf)
			must(t, s.RunFor(300*ms))
			asks := tr.votesAsked()
			if len(asks) == 0 || asks[0].at != 250*ms || asks[0].args.Term != 2 {
				t.Fatalf("first RequestVote %+v; want one for term 2 at 250ms", asks)
			}
		})
	}
}
