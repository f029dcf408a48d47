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

// The variants' timers are checked with the rules of the libraries they
// imitate, and each error names the field and what it accepts.
func TestConfigValidateTimers(t *testing.T) {
	ms := time.Millisecond
	base := DefaultConfig()
	etcd := func(tick time.Duration, hb, el int) Config {
		c := base
		c.Ticks = &Ticks{Tick: tick, HeartbeatTick: hb, ElectionTick: el}
		return c
	}
	hashi := func(ht, et, llt time.Duration) Config {
		c := base
		c.Hashicorp = &HashicorpTiming{HeartbeatTimeout: ht, ElectionTimeout: et, LeaderLeaseTimeout: llt}
		return c
	}
	both := etcd(100*ms, 1, 10)
	both.Hashicorp = hashi(ms, ms, ms).Hashicorp
	flags := base
	flags.PreVote, flags.CheckQuorum, flags.LeaderStickiness = true, true, true
	cases := []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{"etcd's defaults", etcd(100*ms, 1, 10), ""},
		{"smallest tick ratio", etcd(ms, 1, 2), ""},
		{"zero tick", etcd(0, 1, 10), "Ticks.Tick is 0s; want a positive duration"},
		{"negative tick", etcd(-ms, 1, 10), "Ticks.Tick is -1ms"},
		{"zero heartbeat tick", etcd(100*ms, 0, 10), "Ticks.HeartbeatTick is 0; want 1 or more"},
		{"election tick = heartbeat tick", etcd(100*ms, 3, 3), "Ticks.ElectionTick (3) is not above Ticks.HeartbeatTick (3); want ElectionTick > HeartbeatTick"},
		{"election tick below heartbeat tick", etcd(100*ms, 3, 2), "Ticks.ElectionTick (2) is not above"},
		{"hashicorp's defaults", hashi(time.Second, time.Second, 500*ms), ""},
		{"lease = heartbeat timeout", hashi(time.Second, time.Second, time.Second), ""},
		{"zero heartbeat timeout", hashi(0, time.Second, 500*ms), "Hashicorp.HeartbeatTimeout is 0s; want a positive duration"},
		{"zero election timeout", hashi(time.Second, 0, 500*ms), "Hashicorp.ElectionTimeout is 0s"},
		{"negative lease", hashi(time.Second, time.Second, -ms), "Hashicorp.LeaderLeaseTimeout is -1ms"},
		{"lease above heartbeat timeout", hashi(time.Second, time.Second, 1001*ms), "Hashicorp.LeaderLeaseTimeout (1.001s) is above Hashicorp.HeartbeatTimeout (1s); want LeaderLeaseTimeout <= HeartbeatTimeout"},
		{"both timers", both, "both Ticks and Hashicorp are set; want at most one"},
		{"the three flags", flags, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
	// The effective durations are still checked when a timer variant is set.
	bad := etcd(100*ms, 1, 10)
	bad.HeartbeatInterval = 0
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "HeartbeatInterval is 0s") {
		t.Errorf("Ticks with HeartbeatInterval 0: error %v; want the HeartbeatInterval error", err)
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
