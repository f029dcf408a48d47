// Package english words counts in the tool's output: "1 setting", "2
// settings".
package english

import "fmt"

// Count is n and the noun, plural unless n is 1. Every noun raftbench
// counts takes an s.
func Count[N int | int64 | float64](n N, noun string) string {
	return fmt.Sprint(n) + " " + Noun(n, noun)
}

// Noun is noun, plural unless n is 1.
func Noun[N int | int64 | float64](n N, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// Verb is singular when n is 1 and plural otherwise: Verb(n, "stays", "stay").
func Verb[N int | int64 | float64](n N, singular, plural string) string {
	if n == 1 {
		return singular
	}
	return plural
}
