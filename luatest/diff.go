package luatest

import (
	"strconv"
	"strings"
	"unicode"
)

// diffContext is how many unchanged lines are kept around each change.
const diffContext = 3

// diffLimit bounds the work of the line-by-line comparison (its table has
// one cell per pair of lines); past it, the diff shows the first difference.
const diffLimit = 4_000_000

// lineDiff shows how got differs from want, one line per output line:
// "  " for a line in both, "- " for a line only in want, "+ " for one only in
// got; runs of unchanged lines far from any change collapse into "  ...".
// Lines with trailing spaces or control characters are quoted, so the
// difference is visible.
func lineDiff(want, got string) string {
	a, b := splitLines(want), splitLines(got)
	var ops []diffOp
	if len(a)*len(b) > diffLimit {
		ops = firstDifference(a, b)
	} else {
		ops = lcsDiff(a, b)
	}
	ops = pairChanges(ops)
	var out strings.Builder
	for i, op := range ops {
		if op.kind == ' ' && !nearChange(ops, i) {
			if i == 0 || ops[i-1].kind != ' ' || nearChange(ops, i-1) {
				out.WriteString("  ...\n")
			}
			continue
		}
		out.WriteByte(op.kind)
		out.WriteByte(' ')
		out.WriteString(visible(op.line))
		out.WriteByte('\n')
	}
	return out.String()
}

type diffOp struct {
	kind byte // ' ', '-' or '+'
	line string
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// lcsDiff aligns a and b on a longest common subsequence of lines.
func lcsDiff(a, b []string) []diffOp {
	n, m := len(a), len(b)
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, diffOp{'-', a[i]})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, diffOp{'-', a[i]})
	}
	for ; j < m; j++ {
		ops = append(ops, diffOp{'+', b[j]})
	}
	return ops
}

// pairChanges interleaves each block of removed and added lines, so a
// changed line shows right above its replacement: "- [   1.000] 4 ..." over
// "+ [   1.500] 4 ...".
func pairChanges(ops []diffOp) []diffOp {
	out := make([]diffOp, 0, len(ops))
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			out = append(out, ops[i])
			i++
			continue
		}
		var removed, added []diffOp
		for ; i < len(ops) && ops[i].kind != ' '; i++ {
			if ops[i].kind == '-' {
				removed = append(removed, ops[i])
			} else {
				added = append(added, ops[i])
			}
		}
		for k := 0; k < max(len(removed), len(added)); k++ {
			if k < len(removed) {
				out = append(out, removed[k])
			}
			if k < len(added) {
				out = append(out, added[k])
			}
		}
	}
	return out
}

// firstDifference is the cheap diff for huge outputs: the common prefix, then
// everything after it as removed and added.
func firstDifference(a, b []string) []diffOp {
	var ops []diffOp
	k := 0
	for k < len(a) && k < len(b) && a[k] == b[k] {
		ops = append(ops, diffOp{' ', a[k]})
		k++
	}
	for _, l := range a[k:] {
		ops = append(ops, diffOp{'-', l})
	}
	for _, l := range b[k:] {
		ops = append(ops, diffOp{'+', l})
	}
	return ops
}

// nearChange reports whether ops[i] is within diffContext of a change.
func nearChange(ops []diffOp, i int) bool {
	for k := max(0, i-diffContext); k <= min(len(ops)-1, i+diffContext); k++ {
		if ops[k].kind != ' ' {
			return true
		}
	}
	return false
}

// visible quotes a line whose difference could otherwise not be seen.
func visible(line string) string {
	if strings.TrimRightFunc(line, unicode.IsSpace) != line || strings.IndexFunc(line, unicode.IsControl) >= 0 {
		return strconv.Quote(line)
	}
	return line
}
