package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
)

// Exit statuses (SPEC §4), documented in --help and the README.
const (
	exitOK     = 0
	exitFailed = 1 // the job could not finish
	exitUsage  = 2
	exitAlerts = 3 // finished, alerts fired, and --fail-on-alert was given
)

// errAlertsFired ends a run that finished but fired alerts when --fail-on-alert asks for it.
var errAlertsFired = errors.New("alerts fired")

// usageError is a mistake on the command line; its text says what to type instead.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the job winds down; a second one kills it at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command: it parses args, runs the subcommand, prints any error on stderr
// and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, &streams{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.LookupEnv})
	code := exitCode(err)
	switch code {
	case exitOK:
	case exitAlerts:
		fmt.Fprintln(stderr, "amlmon: finished; alerts fired (exit 3 because of --fail-on-alert)")
	default:
		fmt.Fprintf(stderr, "amlmon: %v\n", err)
	}
	return code
}

// exitCode maps the error that ended a command to its exit status. It is the one place that
// decides exit statuses.
func exitCode(err error) int {
	var usage *usageError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, errAlertsFired):
		return exitAlerts
	default:
		return exitFailed
	}
}

// lockedError says what to do when another process holds the lake.
func lockedError(lake string, err error) error {
	return fmt.Errorf("lake %s is in use by another amlmon run or sync; wait for it to end and run again (this run changed nothing): %w", lake, err)
}

// streams are the command's connections to the outside world.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
}
