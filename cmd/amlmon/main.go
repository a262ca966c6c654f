package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
)

// Exit statuses, documented in --help, the README and docs/command.md.
const (
	exitOK     = 0
	exitFailed = 1 // the job could not finish
	exitUsage  = 2
	exitAlerts = 3 // finished, alerts fired, and --fail-on-alert was given
	// exitBlobsFailed: finished and committed, but some blobs could not be read; the lake is
	// consistent and the next run reads them again.
	exitBlobsFailed = 4
)

// errAlertsFired ends a run that finished but fired alerts when --fail-on-alert asks for it.
var errAlertsFired = errors.New("alerts fired")

// alertsFiredError tells how many alerts fired on which day; it is errAlertsFired.
type alertsFiredError struct {
	fired int64
	day   string
}

func (e *alertsFiredError) Error() string {
	return fmt.Sprintf("%d alerts fired on %s", e.fired, e.day)
}

func (e *alertsFiredError) Is(target error) bool { return target == errAlertsFired }

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
	st := &streams{stdin: stdin, stdout: stdout, stderr: &console{w: stderr}, getenv: os.LookupEnv}
	err := dispatch(ctx, args, st)
	code := exitCode(err)
	if code == exitOK {
		return code
	}
	if st.jsonLog != nil {
		// A JSON log stays JSON to its last line, so that a collector never meets plain text.
		if code == exitAlerts {
			st.jsonLog.Warn("finished; alerts fired", "err", err.Error(), "exit", code)
		} else {
			st.jsonLog.Error("amlmon failed", "err", err.Error(), "exit", code)
		}
		return code
	}
	if code == exitAlerts {
		fmt.Fprintf(st.stderr, "amlmon: finished; %v (exit 3 because of --fail-on-alert)\n", err)
	} else {
		fmt.Fprintf(st.stderr, "amlmon: %v\n", err)
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
	case errors.As(err, new(*deliveryError)):
		// A report that was not delivered stops the job, even when alerts fired too.
		return exitFailed
	case errors.Is(err, errBlobsFailed):
		return exitBlobsFailed
	case errors.Is(err, errAlertsFired):
		return exitAlerts
	default:
		return exitFailed
	}
}

// lockedError is the refusal to work on a lake that another process holds. The lake's error
// already names the lake, the holder and what to do; it adds that nothing was changed.
func lockedError(err error) error {
	return fmt.Errorf("%w (this run changed nothing)", err)
}

// streams are the command's connections to the outside world.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
	// jsonLog is the subcommand's logger when it logs JSON: the error that ends the command is
	// then logged through it rather than printed as text.
	jsonLog *slog.Logger
}

// errBlobsFailed ends a sync, run or fetch that finished but could not read some blobs.
var errBlobsFailed = errors.New("blobs failed")

// blobsFailedError says how many blobs failed; it is errBlobsFailed.
type blobsFailedError struct {
	failed int64
	rest   string // what became of the others, and of the failed blobs next time
}

func (e *blobsFailedError) Error() string {
	return fmt.Sprintf("%d blobs failed (logged above); %s", e.failed, e.rest)
}

func (e *blobsFailedError) Is(target error) bool { return target == errBlobsFailed }
