package live

import "testing"

func TestDiskOf(t *testing.T) {
	const mountinfo = `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 253:0 / / rw,relatime - ext4 /dev/vda rw,discard
30 27 0:30 / /tmp rw,nosuid - tmpfs tmpfs rw,size=1024k
31 27 8:17 / /mnt/ssd\040disk rw - xfs /dev/sdb1 rw
32 27 8:33 / /mnt/ssd rw - btrfs /dev/sdc rw
33 31 0:40 / /mnt/ssd\040disk/cache rw - tmpfs tmpfs rw
34 27 0:50 / /tmp rw - overlay overlay rw
`
	for _, tc := range []struct{ path, want string }{
		{"/work/main", "ext4 on /dev/vda"},
		{"/", "ext4 on /dev/vda"},
		{"/tmp/x", "overlay on overlay"}, // mounted over the first /tmp
		{"/tmpfoo", "ext4 on /dev/vda"},  // not under /tmp
		{"/mnt/ssd disk/data", "xfs on /dev/sdb1"},
		{"/mnt/ssd disk/cache/x", "tmpfs on tmpfs"},
		{"/mnt/ssd", "btrfs on /dev/sdc"},
		{"/mnt/ssdx", "ext4 on /dev/vda"},
	} {
		if got := diskOf(tc.path, mountinfo); got != tc.want {
			t.Errorf("diskOf(%q) = %q; want %q", tc.path, got, tc.want)
		}
	}
	if got := diskOf("/x", "garbage\n\n"); got != "" {
		t.Errorf("diskOf of unreadable mountinfo = %q; want \"\"", got)
	}
	if got := DescribeDisk(t.TempDir()); got == "" {
		t.Errorf("DescribeDisk of a temporary folder says nothing")
	}
}
