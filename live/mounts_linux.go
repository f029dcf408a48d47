package live

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DescribeDisk says which file system and device hold dir, e.g. "ext4 on
// /dev/vda", from /proc/self/mountinfo, so a measured fsync says what it
// was measured on. It returns "" when it cannot tell: the description is
// for people, and a probe never fails for want of it.
func DescribeDisk(dir string) string {
	path, err := filepath.Abs(dir)
	if err == nil {
		if p, err := filepath.EvalSymlinks(path); err == nil {
			path = p
		}
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	return diskOf(path, string(b))
}

// diskOf finds the mount holding path in mountinfo's text: the longest
// mount point that is path or a parent of it (a later line wins a tie, as
// the later mount hides the earlier).
func diskOf(path, mountinfo string) string {
	best, bestLen := "", -1
	for line := range strings.Lines(mountinfo) {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
		before, after, ok := strings.Cut(strings.TrimSpace(line), " - ")
		fields, tail := strings.Fields(before), strings.Fields(after)
		if !ok || len(fields) < 5 || len(tail) < 2 {
			continue
		}
		mp := unescapeMount(fields[4])
		if !within(path, mp) || len(mp) < bestLen {
			continue
		}
		best, bestLen = fmt.Sprintf("%s on %s", tail[0], unescapeMount(tail[1])), len(mp)
	}
	return best
}

func within(path, mountPoint string) bool {
	if mountPoint == "/" {
		return strings.HasPrefix(path, "/")
	}
	return path == mountPoint || strings.HasPrefix(path, mountPoint+"/")
}

// unescapeMount undoes mountinfo's octal escapes of space, tab, newline
// and backslash (\040 and the like).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
