package transform

import (
	"math"
	"testing"
)

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"48", 48, true},
		{"-7", -7, true},
		{"+7", 7, true},
		{"48.0", 48, true},
		{"4.8e1", 48, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"4.7", 0, false},
		{"9223372036854775808", 0, false},
		{"1e19", 0, false},
		{"abc", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"0x10", 0, false},
	} {
		got, ok := parseInt([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseInt(%q) = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseFloat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"3.5", 3.5, true},
		{"-0.25", -0.25, true},
		{"0.1", 0.1, true},
		{"123456789012345", 123456789012345, true},
		{"1234567890.12345", 1234567890.12345, true},
		{"0.30000000000000004", 0.30000000000000004, true},
		{"1e2", 100, true},
		{"1E-2", 0.01, true},
		{".5", 0.5, true},
		{"1e400", 0, false},
		{"NaN", 0, false},
		{"-Infinity", 0, false},
		{"", 0, false},
		{".", 0, false},
		{"1.2.3", 0, false},
		{"twelve", 0, false},
	} {
		got, ok := parseFloat([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseFloat(%q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
