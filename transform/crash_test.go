package transform

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// crashPhases is the archive as two consecutive runs see it: the second sees a blob grown, one
// replaced (whose files another blob shares), one new, and one unchanged.
func crashPhases() []*fakeStore {
	a := newStore()
	a.put(jobContainer, hour13, sealedAt, jobLine(hour13, "a1", "JobSubmitted")+jobLine(hour13.Add(time.Minute), "a2", "JobSubmitted")+
		jobLine(hour13.Add(2*time.Minute), "a3", "JobSubmitted")+jobLine(hour13.Add(25*time.Hour), "a4", "JobFailed"))
	a.put(clusterContainer, hour13, sealedAt, clusterLine(hour13, 1)+"oops\n"+clusterLine(hour13.Add(time.Minute), 2)+clusterLine(hour13.Add(2*time.Minute), 3))
	a.put(metricsContainer, hour13, sealedAt, metricLine(hour13, "Unusable Nodes", 1)+metricLine(hour13.Add(time.Minute), "Unusable Nodes", 2))
	a.put(jobContainer, hour23, sealedAt, jobLine(hour23, "u1", "JobSubmitted")+"[1, 2]\n")
	// Shares its files with the cluster blob of 13:00, which the second run replaces.
	a.put(clusterContainer, hour23, sealedAt, clusterLine(hour23, 5)+clusterLine(hour23.Add(time.Minute), 6))

	b := newStore()
	for k, v := range a.blobs {
		c := *v
		b.blobs[k] = &c
	}
	b.append(jobContainer, hour13, sealedAt.Add(time.Hour), jobLine(hour13.Add(3*time.Minute), "a5", "JobSucceeded")+jobLine(hour13.Add(4*time.Minute), "a6", "JobSucceeded"))
	b.put(clusterContainer, hour13, sealedAt.Add(time.Hour), clusterLine(hour13, 7)+clusterLine(hour13.Add(24*time.Hour), 8))
	b.put(metricsContainer, hour23, sealedAt, metricLine(hour23, "Model Deploy Failed", 1)+metricLine(hour23.Add(time.Hour), "Model Deploy Failed", 2))
	return []*fakeStore{a, b}
}

// crashOptions makes small batches so that a crash can land between batches of one file.
func crashOptions() Options {
	return Options{BatchRows: 1, Parallel: 1, Now: func() time.Time { return testNow }}
}

// runPhases syncs the phases from the first on, calling onStep at every crash point.
func runPhases(dir string, from int, onStep func(string)) error {
	for _, store := range crashPhases()[from:] {
		l, err := Open(dir, crashOptions())
		if err != nil {
			return err
		}
		l.onStep = onStep
		release, err := l.Lock()
		if err != nil {
			return err
		}
		_, err = l.Sync(context.Background(), store.list)
		release()
		if err != nil {
			return err
		}
	}
	return nil
}

// crashHelper runs the phases in a child process and kills itself at the step named by
// AMLMON_TEST_CRASH_STEP.
func crashHelper() int {
	stop, _ := strconv.Atoi(os.Getenv("AMLMON_TEST_CRASH_STEP"))
	n := 0
	err := runPhases(os.Getenv("AMLMON_TEST_LAKE"), 0, func(string) {
		n++
		if n == stop {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestCrashAnywhere(t *testing.T) {
	ref := t.TempDir()
	var steps []string
	phaseEnd := 0
	for phase := range crashPhases() {
		l, err := Open(ref, crashOptions())
		if err != nil {
			t.Fatal(err)
		}
		l.onStep = func(s string) { steps = append(steps, s) }
		l.opts.Parallel = 1
		if _, err := l.Sync(t.Context(), crashPhases()[phase].list); err != nil {
			t.Fatal(err)
		}
		if phase == 0 {
			phaseEnd = len(steps)
		}
	}
	want := snapshot(t, ref)
	db := openDB(t)
	wantRows := map[string][]string{}
	for _, table := range []string{"AmlComputeJobEvent", "AmlComputeClusterEvent", "AzureMetrics", "Rejects"} {
		wantRows[table] = rows(t, db, "SELECT * FROM "+tableSQL(ref, table))
	}

	// Every kind of step at least once, in both runs, then random ones.
	rng := rand.New(rand.NewPCG(20261126, 1))
	points := map[int]bool{}
	seen := map[string]bool{}
	for i, s := range steps {
		phase := "1"
		if i >= phaseEnd {
			phase = "2"
		}
		if !seen[phase+s] {
			seen[phase+s] = true
			points[i+1] = true
		}
	}
	for len(points) < 24 {
		points[1+rng.IntN(len(steps))] = true
	}
	for _, k := range []string{"parquet-batch", "rewrite", "rename", "commit", "remove"} {
		if !seen["2"+k] {
			t.Errorf("the second run has no %s step to crash at", k)
		}
	}

	crash := func(t *testing.T, point int) string {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=crash", "AMLMON_TEST_LAKE="+dir, "AMLMON_TEST_CRASH_STEP="+strconv.Itoa(point))
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("helper was not killed at step %d: %v\n%s", point, err, out)
		}
		return dir
	}
	for _, point := range slices.Sorted(maps.Keys(points)) {
		t.Run(fmt.Sprintf("step%d-%s", point, steps[point-1]), func(t *testing.T) {
			if point <= phaseEnd {
				// The archive moved on before the rerun: what the crashed run left half
				// done must be undone, since the rerun writes other segments.
				dir := crash(t, point)
				if err := runPhases(dir, 1, nil); err != nil {
					t.Fatalf("rerun: %v", err)
				}
				for table, w := range wantRows {
					if got := rows(t, db, "SELECT * FROM "+tableSQL(dir, table)); !slices.Equal(got, w) {
						t.Errorf("after a rerun on the newer archive, %s rows:\n got %q\nwant %q", table, got, w)
					}
				}
			}
			dir := crash(t, point)
			from := 0
			if point > phaseEnd {
				from = 1
			}
			if err := runPhases(dir, from, nil); err != nil {
				t.Fatalf("rerun: %v", err)
			}
			if got := snapshot(t, dir); !maps.Equal(got, want) {
				t.Errorf("lake after crash and rerun differs from a clean run:\n got %v\nwant %v", got, want)
			}
			for table, w := range wantRows {
				if got := rows(t, db, "SELECT * FROM "+tableSQL(dir, table)); !slices.Equal(got, w) {
					t.Errorf("%s rows:\n got %q\nwant %q", table, got, w)
				}
			}
		})
	}
}
