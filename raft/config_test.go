package raft

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		cfg  Config
		want string // "" means valid
	}{
		{Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: 0}, ""},
		{Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 150 * ms, ElectionTimeoutResolution: 0}, ""},
		{Config{HeartbeatInterval: 0, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: 0}, "HeartbeatInterval is 0s"},
		{Config{HeartbeatInterval: -ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: 0}, "HeartbeatInterval is -1ms"},
		{Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 0, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: 0}, "ElectionTimeoutMin is 0s"},
		{Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: -ms, ElectionTimeoutResolution: 0}, "ElectionTimeoutMax is -1ms"},
		{Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 300 * ms, ElectionTimeoutMax: 150 * ms, ElectionTimeoutResolution: 0}, "ElectionTimeoutMax (150ms) is below ElectionTimeoutMin (300ms)"},
		{Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: -ms}, "ElectionTimeoutResolution is -1ms"},
		{Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 151 * ms, ElectionTimeoutResolution: ms}, ""},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", tc.cfg, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v; want one containing %q", tc.cfg, err, tc.want)
		}
	}
}

func TestConfigWarnings(t *testing.T) {
	ms := time.Millisecond
	if w := (Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: 0}).Warnings(); len(w) != 0 {
		t.Errorf("sane config warned: %v", w)
	}
	if w := (Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 151 * ms, ElectionTimeoutResolution: ms}).Warnings(); len(w) != 0 {
		t.Errorf("1ms steps over a 1ms range warned: %v", w)
	}
	if w := (Config{HeartbeatInterval: 75 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: time.Second}).Warnings(); len(w) != 1 || !strings.Contains(w[0], "every timeout is 150ms") {
		t.Errorf("1s steps over a 150ms range: warnings %v", w)
	}
	w := (Config{HeartbeatInterval: 150 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 300 * ms, ElectionTimeoutResolution: 0}).Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "HeartbeatInterval (150ms) is not below ElectionTimeoutMin (150ms)") {
		t.Errorf("heartbeat = min timeout: warnings %v", w)
	}
}

func TestPersistedStateRoundTrip(t *testing.T) {
	for _, c := range [][2]int{{0, -1}, {1, 0}, {123456789, 6}} {
		term, vote, err := DecodeState(EncodeState(c[0], c[1]))
		if err != nil || term != c[0] || vote != c[1] {
			t.Errorf("round trip of %v gave %d, %d, %v", c, term, vote, err)
		}
	}
	for _, bad := range [][]byte{{}, {0x80}, {2}, append(EncodeState(1, 1), 7), EncodeState(-1, 0), EncodeState(1, -2)} {
		if _, _, err := DecodeState(bad); err == nil {
			t.Errorf("DecodeState(%x) accepted bad data", bad)
		}
	}
}
