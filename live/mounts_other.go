//go:build !linux

package live

// DescribeDisk says which file system and device hold dir; outside Linux it
// cannot tell and returns "".
func DescribeDisk(dir string) string { return "" }
