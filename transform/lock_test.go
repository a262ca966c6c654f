package transform

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// lockHelper takes the lock of AMLMON_TEST_LAKE, says so, and waits to be killed.
func lockHelper() int {
	l, err := Open(os.Getenv("AMLMON_TEST_LAKE"), Options{})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if _, err := l.Lock(); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
	return 0
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	release, err := a.Lock()
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	b, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open while locked: %v", err)
	}
	host, _ := os.Hostname()
	_, err = b.Lock()
	if !isLocked(err) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d on %s", os.Getpid(), host)) {
		t.Fatalf("second lock: %v", err)
	}
	t.Logf("second lock: %v", err)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	release, err = b.Lock()
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	release()

	// A process that dies holding the lock does not keep it.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=lock", "AMLMON_TEST_LAKE="+dir)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper: %q", line)
	}
	_, err = a.Lock()
	if !isLocked(err) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d ", cmd.Process.Pid)) {
		t.Errorf("lock held by another process: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	release, err = a.Lock()
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	release()
}

func isLocked(err error) bool { return errors.Is(err, ErrLocked) }
