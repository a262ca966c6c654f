package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive"
)

// InflateOptions bound what a compressed (.json.gz) blob may expand to, so that a small file
// that expands to gigabytes fails in bounded time instead of taking the night.
type InflateOptions struct {
	Ratio int64
	Size  int64
}

// AddFlags registers --max-inflate-ratio and --max-inflate-size.
func (o *InflateOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Var(&inflateValue{&o.Ratio, false}, "max-inflate-ratio",
		fmt.Sprintf("a .gz blob fails once it expands more than this many times its compressed size (default %d; off: no bound)", archive.DefaultInflateRatio))
	fs.Var(&inflateValue{&o.Size, true}, "max-inflate-size",
		"a .gz blob fails once it expands past this size, such as 16GiB (default 16GiB; off: no bound)")
}

// limit is the archive's bound: zero fields take its defaults, negative ones are off.
func (o InflateOptions) limit() archive.InflateLimit {
	return archive.InflateLimit{MaxRatio: o.Ratio, MaxBytes: o.Size}
}

// inflateValue is a bound: a positive number (with a binary unit when it is a size), or "off".
type inflateValue struct {
	n    *int64
	size bool
}

func (v *inflateValue) String() string {
	switch {
	case *v.n < 0:
		return "off"
	case *v.n == 0:
		return ""
	}
	return strconv.FormatInt(*v.n, 10)
}

func (v *inflateValue) Type() string {
	if v.size {
		return "SIZE|off"
	}
	return "N|off"
}

func (v *inflateValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		*v.n = -1
		return nil
	}
	mult := int64(1)
	if v.size {
		for _, u := range []struct {
			suffix string
			mult   int64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
			if num, ok := strings.CutSuffix(s, u.suffix); ok {
				s, mult = strings.TrimSpace(num), u.mult
				break
			}
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		if v.size {
			return fmt.Errorf("%q is not a size: type a positive number of bytes with an optional unit (KiB, MiB, GiB, TiB), or off", s)
		}
		return fmt.Errorf("%q is not a ratio: type a positive whole number, or off", s)
	}
	*v.n = n * mult
	return nil
}
