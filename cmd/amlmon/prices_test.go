package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// retailPrices serves two pages in the format of the Azure Retail Prices API
// (https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices:
// Items with armSkuName, meterName, productName, retailPrice, unitOfMeasure "1 Hour", type,
// and an absolute NextPageLink, null on the last page) on 127.0.0.1.
func retailPrices(t *testing.T) *httptest.Server {
	t.Helper()
	item := func(sku, meter, product, typ string, price float64) map[string]any {
		return map[string]any{"currencyCode": "EUR", "retailPrice": price, "unitPrice": price, "armRegionName": "westeurope",
			"location": "EU West", "effectiveStartDate": "2024-01-01T00:00:00Z", "meterName": meter, "skuName": meter,
			"productName": product, "serviceName": "Virtual Machines", "serviceFamily": "Compute", "unitOfMeasure": "1 Hour",
			"type": typ, "isPrimaryMeterRegion": true, "armSkuName": sku}
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{"BillingCurrency": "EUR", "NextPageLink": nil}
		if r.URL.Query().Get("page") == "" {
			body["Items"] = []any{
				item("Standard_D4s_v3", "D4s v3", "Virtual Machines Dsv3 Series", "Consumption", 0.2),
				item("Standard_D4s_v3", "D4s v3", "Virtual Machines Dsv3 Series Windows", "Consumption", 0.38),
				item("Standard_D4s_v3", "D4s v3", "Virtual Machines Dsv3 Series", "Reservation", 1000),
			}
			body["NextPageLink"] = srv.URL + "/api/retail/prices?page=2"
		} else {
			body["Items"] = []any{item("Standard_D4s_v3", "D4s v3 Spot", "Virtual Machines Dsv3 Series", "Consumption", 0.04)}
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPricesWritesPriceFile(t *testing.T) {
	srv := retailPrices(t)
	file := filepath.Join(t.TempDir(), "prices.csv")
	stdout, _ := mustRun(t, exitOK, "prices", "--region", "westeurope", "--currency", "EUR", "--out", file, "--api-url", srv.URL+"/api/retail/prices")
	if !strings.Contains(stdout, "2 VM sizes and priorities of westeurope in EUR written to "+file) {
		t.Errorf("stdout:\n%s", stdout)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The Linux consumption meter, and the spot meter for low-priority nodes, over two pages.
	if want := "vm_size,vm_priority,hourly_price\nStandard_D4s_v3,Dedicated,0.2\nStandard_D4s_v3,LowPriority,0.04\n"; string(b) != want {
		t.Errorf("price file:\n%s\nwant\n%s", b, want)
	}
}

func TestPricesUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	file := filepath.Join(t.TempDir(), "prices.csv")
	code, _, stderr := runCmd(t, "", "prices", "--region", "westeurope", "--out", file, "--api-url", "http://"+addr+"/api/retail/prices")
	if code != exitFailed || !strings.Contains(stderr, "cannot reach the Azure Retail Prices API at http://"+addr) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a price file was written: %v", err)
	}
}

func TestPricesUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"prices", "--out", "p.csv"}, "no region given"},
		{[]string{"prices", "--region", "westeurope"}, "no price file given"},
	} {
		code, _, stderr := runCmd(t, "", c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr:\n%s", c.args, code, stderr)
		}
	}
}

// TestReportPrices prices the sample archive's clusters from a price file given in
// AMLMON_PRICES with VM sizes in another case: cost = node_hours × hourly_price.
func TestReportPrices(t *testing.T) {
	archive := filepath.Join("..", "..", "testdata", "archive")
	lake, out := t.TempDir(), t.TempDir()
	mustRun(t, exitOK, "sync", "--source", archive, "--lake", lake, "--now", sampleNow, "--progress", "never")
	file := filepath.Join(t.TempDir(), "prices.csv")
	if err := os.WriteFile(file, []byte("vm_size,vm_priority,hourly_price\nStandard_D4s_v3,dedicated,0.2\nstandard_nc6s_v3,Dedicated,3.06\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AMLMON_PRICES", file)
	mustRun(t, exitOK, "report", "--lake", lake, "--out", out, "--date", sampleDay, "--now", sampleNow)
	f, err := os.Open(filepath.Join(out, sampleDay, "cluster_usage.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	priced := 0
	for _, r := range rows[1:] {
		size, priority, hours, price, cost := strings.ToLower(r[3]), strings.ToLower(r[4]), r[5], r[8], r[9]
		want := map[string]string{"standard_d4s_v3 dedicated": "0.2", "standard_nc6s_v3 dedicated": "3.06"}[size+" "+priority]
		if price != want {
			t.Errorf("%s %s priced %q, want %q", r[3], r[4], price, want)
		}
		if want == "" {
			if cost != "" {
				t.Errorf("%s %s without a price costs %q", r[3], r[4], cost)
			}
			continue
		}
		priced++
		h, _ := strconv.ParseFloat(hours, 64)
		p, _ := strconv.ParseFloat(price, 64)
		c, _ := strconv.ParseFloat(cost, 64)
		// node_hours is rounded to 2 decimals before this product, cost after the exact one.
		if d := c - h*p; d > 0.005*p+0.005 || d < -(0.005*p+0.005) {
			t.Errorf("%v: cost %s, want node_hours × price = %v", r, cost, h*p)
		}
	}
	if priced == 0 {
		t.Fatalf("no cluster of the sample was priced:\n%v", rows)
	}
	var sum map[string]any
	b, _ := os.ReadFile(filepath.Join(out, sampleDay, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil || sum["cost"] == nil {
		t.Errorf("summary.json cost = %v (%v)", sum["cost"], err)
	}
}

func TestBadPriceFileStopsRunBeforeSync(t *testing.T) {
	file := filepath.Join(t.TempDir(), "prices.csv")
	os.WriteFile(file, []byte("vm_size,vm_priority,hourly_price\nStandard_NC6,Dedicated,0.9\nstandard_nc6,dedicated,1\n"), 0o644)
	lake := t.TempDir()
	code, _, stderr := runCmd(t, "", runArgs(filepath.Join("..", "..", "testdata", "archive"), lake, t.TempDir(), "--prices", file)...)
	if code != exitFailed || !strings.Contains(stderr, fmt.Sprintf("%s: line 3: standard_nc6 dedicated has a price on line 2 already", file)) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if entries, _ := os.ReadDir(lake); len(entries) != 0 {
		t.Errorf("the run synced before it read the price file: the lake holds %d entries", len(entries))
	}
}
