package luatest

import (
	"encoding/xml"
	"testing"
)

// TestJUnitWriterAsEncodingXML: the hand-written JUnit document is the one
// encoding/xml's MarshalIndent writes for the same values, byte for byte.
func TestJUnitWriterAsEncodingXML(t *testing.T) {
	const nasty = "<a href=\"x\">'&amp;'</a> ]]> end\n\ttab\r \x01\x1b[31m \xff\xfe é ✓ \uFFFD \U0001F600"
	problem := &junitProblem{Message: nasty, Text: xmlText(nasty)}
	for _, tc := range []struct {
		name string
		doc  junitSuites
	}{
		{"no files", junitSuites{Time: "0.000"}},
		{"a file without tests", junitSuites{Time: "0.000", Suites: []*junitSuite{{Name: "a_test.lua", Time: "0.000"}}}},
		{"passing, failing, erring cases", junitSuites{Tests: 3, Failures: 1, Errors: 1, Time: "1.250", Suites: []*junitSuite{
			{Name: "a_test.lua", Tests: 2, Failures: 1, Time: "1.000", Cases: []junitCase{
				{Name: "passes", Classname: "a_test.lua", File: "a_test.lua", Line: 3, Time: "0.500"},
				{Name: "fails", Classname: "a_test.lua", File: "a_test.lua", Line: 9, Time: "0.500",
					Failure:   &junitProblem{Message: "a_test.lua:10: boom", Text: "a_test.lua:10: boom\nstack"},
					SystemOut: &junitText{Text: "printed\n"}},
			}},
			{Name: "b_test.lua", Tests: 1, Errors: 1, Time: "0.250", Cases: []junitCase{
				{Name: "b_test.lua", Classname: "b_test.lua", File: "b_test.lua", Time: "0.250",
					Error: &junitProblem{Message: "b_test.lua:1: '=' expected near 'x'", Text: "b_test.lua:1: '=' expected near 'x'"}},
			}},
		}}},
		{"empty texts", junitSuites{Tests: 1, Failures: 1, Time: "0.000", Suites: []*junitSuite{{Name: "e", Tests: 1, Failures: 1, Time: "0.000", Cases: []junitCase{
			{Name: "", Classname: "", File: "", Time: "0.000", Failure: &junitProblem{}, SystemOut: &junitText{}},
		}}}}},
		{"markup, quotes, CDATA ends, control characters, bytes that are not UTF-8", junitSuites{Tests: 1, Failures: 1, Time: "0.001", Suites: []*junitSuite{
			{Name: nasty, Tests: 1, Failures: 1, Time: "0.001", Cases: []junitCase{
				{Name: nasty, Classname: nasty, File: nasty, Line: -1, Time: "0.001", Failure: problem, Error: problem, SystemOut: &junitText{Text: xmlText(nasty + "]]>]]]>")}},
			}},
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := xml.MarshalIndent(struct {
				XMLName xml.Name `xml:"testsuites"`
				junitSuites
			}{junitSuites: tc.doc}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var w junitWriter
			w.suites(&tc.doc)
			if got := w.String(); got != string(want) {
				t.Errorf("junitWriter wrote\n%s\nencoding/xml writes\n%s", got, want)
			}
		})
	}
}
