package raft

import (
	"encoding/binary"
	"fmt"
)

// persistLocked saves currentTerm and votedFor. It is called before the peer
// answers any RPC that depends on them.
func (rf *Raft) persistLocked() {
	rf.persister.Save(EncodeState(rf.currentTerm, rf.votedFor))
}

// readPersist restores currentTerm and votedFor; empty data is a fresh peer.
func (rf *Raft) readPersist(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	term, votedFor, err := DecodeState(data)
	if err != nil {
		return err
	}
	rf.currentTerm, rf.votedFor = term, votedFor
	return nil
}

// EncodeState is the on-disk form of a peer's persistent state.
func EncodeState(currentTerm, votedFor int) []byte {
	buf := make([]byte, 0, 2*binary.MaxVarintLen64)
	buf = binary.AppendVarint(buf, int64(currentTerm))
	buf = binary.AppendVarint(buf, int64(votedFor))
	return buf
}

// DecodeState reads what EncodeState wrote. Simulators use it to check that a
// vote was persisted before it was sent.
func DecodeState(data []byte) (currentTerm, votedFor int, err error) {
	term, n := binary.Varint(data)
	if n <= 0 {
		return 0, 0, fmt.Errorf("persisted state: bad currentTerm")
	}
	vote, m := binary.Varint(data[n:])
	if m <= 0 || n+m != len(data) {
		return 0, 0, fmt.Errorf("persisted state: bad votedFor")
	}
	if term < 0 || vote < -1 {
		return 0, 0, fmt.Errorf("persisted state: term %d, votedFor %d out of range", term, vote)
	}
	return int(term), int(vote), nil
}
