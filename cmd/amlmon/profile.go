package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// ProfileOptions are the hidden flags that write Go profiles of a sync, for performance work.
type ProfileOptions struct {
	CPU    string
	Memory string
}

// AddFlags registers --cpuprofile and --memprofile, hidden from --help.
func (o *ProfileOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.CPU, "cpuprofile", "", "write a CPU profile of the sync to this file")
	fs.StringVar(&o.Memory, "memprofile", "", "write a heap profile at the end of the sync to this file")
	_ = fs.MarkHidden("cpuprofile")
	_ = fs.MarkHidden("memprofile")
}

// start begins the CPU profile, if asked for; stop ends it and writes the heap profile. An
// error of stop is worth a warning, never a failed sync.
func (o *ProfileOptions) start() (stop func() error, err error) {
	var cpu *os.File
	if o.CPU != "" {
		if cpu, err = os.Create(o.CPU); err != nil {
			return nil, fmt.Errorf("create CPU profile %s: %w", o.CPU, err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("start CPU profile %s: %w", o.CPU, err)
		}
	}
	return func() error {
		var first error
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				first = fmt.Errorf("write CPU profile %s: %w", o.CPU, err)
			}
		}
		if o.Memory != "" {
			if err := writeHeapProfile(o.Memory); err != nil && first == nil {
				first = err
			}
		}
		return first
	}, nil
}

func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("create heap profile %s: %w", name, err)
	}
	// A collection first, so that the profile shows what is live rather than garbage.
	runtime.GC()
	err = pprof.Lookup("allocs").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write heap profile %s: %w", name, err)
	}
	return nil
}
