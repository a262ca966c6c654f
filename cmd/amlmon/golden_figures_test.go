package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// goldenAlertsFired is the alerts_fired of the sample day's golden summary.json, so that tests
// which check how the command reports fired alerts follow the sample when it is regenerated.
func goldenAlertsFired(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		AlertsFired *int `json:"alerts_fired"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.AlertsFired == nil || *s.AlertsFired == 0 {
		t.Fatalf("golden summary.json: alerts_fired %v (%v); the sample day must fire alerts", s.AlertsFired, err)
	}
	return *s.AlertsFired
}
