package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// subcommand is the options of one subcommand: it registers its flags and runs.
type subcommand interface {
	AddFlags(fs *pflag.FlagSet)
	// Run runs the subcommand with the positional arguments left after the flags.
	Run(ctx context.Context, st *streams, args []string) error
}

// command describes one subcommand for dispatch and help.
type command struct {
	name     string
	synopsis string // the usage line after "amlmon "
	summary  string // one line for the command list
	about    string // paragraphs for --help
	examples string
	// posArgs: the subcommand takes positional arguments (only query does).
	posArgs bool
	options func() subcommand
}

// commands lists the subcommands in the order the help shows them. Each one's help sits in its
// own file, beside its flags and its Run.
func commands() []command {
	return []command{runCommand(), syncCommand(), reportCommand(), queryCommand(), checkCommand(), fetchCommand(), pricesCommand(), versionCommand()}
}

const exitCodesHelp = `Exit status:
  0  success
  1  the job could not finish (the error says why)
  2  usage error
  3  finished, but alerts fired (only with --fail-on-alert)
  4  finished, but some blobs could not be read: what could be read is committed, the
     lake is consistent, and the next run reads the failed blobs again
`

const environmentHelp = `Every flag can also be set from the environment variable shown after it; a flag on
the command line wins over the environment. Azure credentials come from
AZURE_STORAGE_CONNECTION_STRING (also used when --source is empty),
AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY and AZURE_STORAGE_SAS_TOKEN, or else from the
default Azure credential chain (managed identity, workload identity, az login).
`

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// dispatch picks the subcommand named by args[0], parses its flags and runs it.
func dispatch(ctx context.Context, args []string, st *streams) error {
	if len(args) == 0 {
		writeTopHelp(st.stderr)
		return usagef("no command given; type one of: %s", strings.Join(commandNames(), ", "))
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		if len(args) > 1 && name == "help" {
			c, ok := findCommand(args[1])
			if !ok {
				return usagef("unknown command %q; type one of: %s", args[1], strings.Join(commandNames(), ", "))
			}
			opts := c.options()
			writeHelp(st.stdout, c, newFlagSet(c, opts))
			return nil
		}
		writeTopHelp(st.stdout)
		return nil
	case "--version":
		name = "version"
	}
	c, ok := findCommand(name)
	if !ok {
		hint := ""
		if m := closest(name, commandNames()); m != "" {
			hint = fmt.Sprintf("; did you mean %q?", m)
		}
		return usagef("unknown command %q%s\nType one of: %s (amlmon --help tells more)", name, hint, strings.Join(commandNames(), ", "))
	}
	opts := c.options()
	fs := newFlagSet(c, opts)
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("%s: %v%s\nRun 'amlmon %s --help' for the flags and examples.", c.name, err, suggestFlag(fs, err), c.name)
	}
	if help, _ := fs.GetBool("help"); help {
		writeHelp(st.stdout, c, fs)
		return nil
	}
	if err := applyEnv(fs, st.getenv); err != nil {
		return usagef("%s: %v\nRun 'amlmon %s --help' for the flags and examples.", c.name, err, c.name)
	}
	if !c.posArgs && fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q; every option is a flag (--name value)\nRun 'amlmon %s --help' for the flags and examples.", c.name, fs.Arg(0), c.name)
	}
	err := opts.Run(ctx, st, fs.Args())
	var u *usageError
	if errors.As(err, &u) {
		return usagef("%s: %s\nRun 'amlmon %s --help' for the flags and examples.", c.name, u.msg, c.name)
	}
	return err
}

// suggestFlag names the flag closest to an unknown one, so that the error says what to type.
func suggestFlag(fs *pflag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return ""
	}
	name, _, _ = strings.Cut(name, "=")
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if m := closest(name, names); m != "" {
		return fmt.Sprintf("; did you mean --%s?", m)
	}
	return ""
}

// closest returns the candidate nearest to word: one it starts, or one at most two edits away.
func closest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if len(word) >= 3 && strings.HasPrefix(c, word) {
			return c
		}
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// newFlagSet builds the flag set of one subcommand, every flag bound to its environment variable.
func newFlagSet(c command, opts subcommand) *pflag.FlagSet {
	fs := pflag.NewFlagSet("amlmon "+c.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SortFlags = false
	opts.AddFlags(fs)
	fs.BoolP("help", "h", false, "show this help")
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		if _, ok := f.Annotations[envAnnotation]; !ok {
			_ = fs.SetAnnotation(f.Name, envAnnotation, []string{envName(f.Name)})
		}
	})
	return fs
}

// envAnnotation names the flag annotation that holds a flag's environment variables.
const envAnnotation = "amlmon_env"

// envName is the environment variable of a flag: --log-format ← AMLMON_LOG_FORMAT.
func envName(flag string) string {
	return "AMLMON_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// bindEnv gives a flag an environment variable other than the default one, for flags whose
// meaning differs between subcommands.
func bindEnv(fs *pflag.FlagSet, flag, env string) {
	_ = fs.SetAnnotation(flag, envAnnotation, []string{env})
}

// applyEnv sets every flag not given on the command line from its environment variable, if set.
func applyEnv(fs *pflag.FlagSet, getenv func(string) (string, bool)) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		for _, env := range f.Annotations[envAnnotation] {
			v, ok := getenv(env)
			if !ok || v == "" {
				continue
			}
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("environment %s (for --%s): %v", env, f.Name, serr)
			}
			return
		}
	})
	return err
}

// envNames lists every environment variable a subcommand reads for its flags.
func envNames(fs *pflag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		names = append(names, f.Annotations[envAnnotation]...)
	})
	return names
}

func writeTopHelp(w io.Writer) {
	fmt.Fprint(w, `amlmon reads the Azure Monitor diagnostic archive of Azure Machine Learning
workspaces, converts it into a Parquet lake and writes a daily report on job
failures, quota usage, node churn and alert rules.

Usage:
  amlmon <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'amlmon <command> --help' for its flags and examples.\n\n")
	fmt.Fprint(w, exitCodesHelp)
}

func writeHelp(w io.Writer, c command, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage:\n  amlmon %s\n\n%s\n\nFlags:\n", c.synopsis, c.about)
	fs.VisitAll(func(f *pflag.Flag) {
		if env := f.Annotations[envAnnotation]; len(env) > 0 {
			f.Usage += " [$" + strings.Join(env, ", $") + "]"
		}
	})
	fmt.Fprint(w, fs.FlagUsagesWrapped(100))
	fmt.Fprintf(w, "\nExamples:\n%s\n\n", c.examples)
	if c.name != "version" {
		fmt.Fprint(w, environmentHelp, "\n")
	}
	fmt.Fprint(w, exitCodesHelp)
}

// dateValue is a flag holding a UTC day, given as YYYY-MM-DD.
type dateValue struct{ t *time.Time }

func newDateValue(t *time.Time) *dateValue { return &dateValue{t} }

func (d *dateValue) String() string {
	if d.t == nil || d.t.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

func (d *dateValue) Set(s string) error {
	t, err := parseDate(s)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

func (d *dateValue) Type() string { return "date" }

func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date; type it as YYYY-MM-DD, e.g. 2026-11-24", s)
	}
	return t, nil
}

// timeValue is a flag holding an instant in RFC 3339.
type timeValue struct{ t *time.Time }

func (v timeValue) String() string {
	if v.t == nil || v.t.IsZero() {
		return ""
	}
	return v.t.Format(time.RFC3339)
}

func (v timeValue) Set(s string) error {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not an RFC 3339 time; type it as e.g. 2026-11-25T12:00:00Z", s)
	}
	*v.t = t.UTC()
	return nil
}

func (v timeValue) Type() string { return "time" }

// choiceValue is a string flag limited to a few values.
type choiceValue struct {
	s       *string
	choices []string
}

func newChoice(s *string, def string, choices ...string) *choiceValue {
	*s = def
	return &choiceValue{s: s, choices: choices}
}

func (c *choiceValue) String() string { return *c.s }

func (c *choiceValue) Set(s string) error {
	v := strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(c.choices, v) {
		return fmt.Errorf("%q is not one of %s", s, strings.Join(c.choices, ", "))
	}
	*c.s = v
	return nil
}

func (c *choiceValue) Type() string { return strings.Join(c.choices, "|") }
