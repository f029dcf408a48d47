package english

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Count(0, "setting"), "0 settings"},
		{Count(1, "setting"), "1 setting"},
		{Count(2, "setting"), "2 settings"},
		{Count(1.0, "spurious election"), "1 spurious election"},
		{Count(0.5, "spurious election"), "0.5 spurious elections"},
		{Verb(1, "stays", "stay"), "stays"},
		{Verb(3, "stays", "stay"), "stay"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
}
