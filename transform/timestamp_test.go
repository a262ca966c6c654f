package transform

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC; "" means unparseable
	}{
		{"2016-07-01T00:00:37.2040000Z", "2016-07-01T00:00:37.204Z"},
		{"2026-11-25T13:00:06.446Z", "2026-11-25T13:00:06.446Z"},
		{"2026-11-25T23:59:59.9999999Z", "2026-11-25T23:59:59.999999Z"},
		{"2026-11-25T23:59:59.123456789Z", "2026-11-25T23:59:59.123456Z"},
		{"2026-11-25t13:00:00z", "2026-11-25T13:00:00Z"},
		{"2026-11-25T15:30:00+02:30", "2026-11-25T13:00:00Z"},
		{"2026-11-25T15:30:00+0230", "2026-11-25T13:00:00Z"},
		{"2026-11-25T10:00:00-03", "2026-11-25T13:00:00Z"},
		{"2026-11-25T23:30:00-01:00", "2026-11-26T00:30:00Z"},
		{"2026-11-25T00:30:00+01:00", "2026-11-24T23:30:00Z"},
		{"2019-08-22 20:50:59.522", "2019-08-22T20:50:59.522Z"},
		{"2019-08-22 20:50:59,5", "2019-08-22T20:50:59.5Z"},
		{"2019-08-22 20:50", "2019-08-22T20:50:00Z"},
		{"2019-08-22", "2019-08-22T00:00:00Z"},
		{" 2019-08-22T20:50:59Z ", "2019-08-22T20:50:59Z"},
		{"2019-08-22T20:50:59 UTC", "2019-08-22T20:50:59Z"},
		{"2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"},
		{"1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z"},
		{"5/18/2021 3:25:55 AM +00:00", "2021-05-18T03:25:55Z"},
		{"5/18/2021 3:25:55 PM +02:00", "2021-05-18T13:25:55Z"},
		{"12/31/2021 12:00:01 AM", "2021-12-31T00:00:01Z"},
		{"12/31/2021 12:59:59 pm", "2021-12-31T12:59:59Z"},
		{"1/2/2022 12:30 PM", "2022-01-02T12:30:00Z"},
		{"11/25/2026 13:05:00", "2026-11-25T13:05:00Z"},
		{"11/25/2026 1:05:00.25 PM", "2026-11-25T13:05:00.25Z"},
		{"11/25/2026", "2026-11-25T00:00:00Z"},
		{"Wed, 25 Nov 2026 13:00:00 +0100", "2026-11-25T12:00:00Z"},
		{"2026/11/25 13:00:00", "2026-11-25T13:00:00Z"},
		{"", ""},
		{"yesterday", ""},
		{"2026-13-01T00:00:00Z", ""},
		{"2026-02-29T00:00:00Z", ""},
		{"2026-11-31T00:00:00Z", ""},
		{"2026-11-25T24:00:00Z", ""},
		{"2026-11-25T13:60:00Z", ""},
		{"2026-11-25T13:00:00+25:00", ""},
		{"2026-11-25T13:00:00.Z", ""},
		{"2026-11-25T13:00:00Zjunk", ""},
		{"2026-11-25X13:00:00Z", ""},
		{"13/1/2021 1:00 AM", ""},
		{"0/1/2021 1:00 AM", ""},
		{"1/1/2021 13:00 PM", ""},
		{"1/1/2021 0:00 AM", ""},
		{"0000-01-01T00:00:00Z", ""},
	} {
		us, ok := parseTime([]byte(tc.in))
		if tc.want == "" {
			if ok {
				t.Errorf("parseTime(%q) = %v, want unparseable", tc.in, time.UnixMicro(us).UTC())
			}
			continue
		}
		want, err := time.Parse(time.RFC3339Nano, tc.want)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || us != want.UnixMicro() {
			t.Errorf("parseTime(%q) = %v %v, want %v", tc.in, time.UnixMicro(us).UTC().Format(time.RFC3339Nano), ok, tc.want)
		}
	}
}

func TestDayOf(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 23, 59, 59, 999999000, time.UTC), "2026-11-25"},
		{time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), "2026-11-26"},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), "1969-12-31"},
	} {
		got := time.UnixMicro(dayOf(tc.at.UnixMicro()) * microsPerDay).UTC().Format("2006-01-02")
		if got != tc.want {
			t.Errorf("dayOf(%v) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

// FuzzParseTime checks the hand-written ISO parser against time.Parse on what both accept.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2016-07-01T00:00:37.2040000Z", "2026-11-25T15:30:00+02:30", "2024-02-29T23:59:59.9999999-00:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		us, ok := parseTime([]byte(s))
		ref, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || ref.Year() < 1 {
			return
		}
		if !ok || us != ref.Truncate(time.Microsecond).UnixMicro() && ref.UnixMicro() != us {
			t.Fatalf("parseTime(%q) = %d %v, time.Parse: %v", s, us, ok, ref)
		}
	})
}

func BenchmarkParseTime(b *testing.B) {
	in := []byte("2026-11-25T13:00:06.4460000Z")
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, ok := parseTime(in); !ok {
			b.Fatal("unparseable")
		}
	}
}
