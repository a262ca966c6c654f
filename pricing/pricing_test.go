package pricing

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// meter is one item as the Azure Retail Prices API answers it, with the fields and values of
// the example in its documentation
// (https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices:
// "D2s v3", Virtual Machines Dsv3 Series, unitOfMeasure "1 Hour", type Consumption,
// armSkuName Standard_D2s_v3); spot meters are named "<sku> Spot", low-priority ones
// "<sku> Low Priority", and Windows prices have "Windows" in productName.
func meter(sku, meterName, product string, price float64, extra map[string]any) map[string]any {
	m := map[string]any{
		"currencyCode": "EUR", "tierMinimumUnits": 0.0, "retailPrice": price, "unitPrice": price,
		"armRegionName": "westeurope", "location": "EU West", "effectiveStartDate": "2024-01-01T00:00:00Z",
		"meterId": "00000000-0000-0000-0000-000000000000", "meterName": meterName, "productId": "DZH318Z0BQPS",
		"skuId": "DZH318Z0BQPS/00TG", "productName": product, "skuName": meterName, "serviceName": "Virtual Machines",
		"serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute", "unitOfMeasure": "1 Hour", "type": "Consumption",
		"isPrimaryMeterRegion": true, "armSkuName": sku,
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// pricesServer answers in pages on 127.0.0.1, as the API does, and records the filters asked.
func pricesServer(t *testing.T, pages [][]map[string]any) (*httptest.Server, *[]string) {
	t.Helper()
	var asked []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Query().Get("currencyCode")+" "+r.URL.Query().Get("$filter"))
		n := 0
		fmt.Sscan(r.URL.Query().Get("page"), &n)
		if n >= len(pages) {
			http.Error(w, "no such page", http.StatusNotFound)
			return
		}
		body := map[string]any{"BillingCurrency": "EUR", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
			"Items": pages[n], "Count": len(pages[n]), "NextPageLink": nil}
		if n+1 < len(pages) {
			// The API's next link is absolute and keeps the filter.
			body["NextPageLink"] = fmt.Sprintf("%s/api/retail/prices?currencyCode='EUR'&$filter=%s&page=%d",
				srv.URL, strings.ReplaceAll(r.URL.Query().Get("$filter"), " ", "%20"), n+1)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

func TestFetchFollowsPagesAndKeepsLinuxConsumption(t *testing.T) {
	srv, asked := pricesServer(t, [][]map[string]any{
		{
			meter("Standard_NC6", "NC6", "Virtual Machines NC Series", 0.9, nil),
			meter("Standard_NC6", "NC6", "Virtual Machines NC Series Windows", 1.08, nil),
			meter("Standard_NC6", "NC6 Spot", "Virtual Machines NC Series", 0.2, nil),
			meter("Standard_NC6", "NC6 Low Priority", "Virtual Machines NC Series", 0.18, nil),
			meter("Standard_NC6", "NC6", "Virtual Machines NC Series", 5000, map[string]any{"type": "Reservation", "reservationTerm": "1 Year"}),
			meter("Standard_NC6", "NC6", "Virtual Machines NC Series", 0.5, map[string]any{"type": "DevTestConsumption"}),
		},
		{
			meter("Standard_D2s_v3", "D2s v3", "Virtual Machines Dsv3 Series", 0.096, nil),
			meter("Standard_D2s_v3", "D2s v3 Spot", "Virtual Machines Dsv3 Series", 0.0192, nil),
			meter("Standard_D2s_v3", "D2s v3 Spot", "Virtual Machines Dsv3 Series Windows", 0.05, nil),
			meter("Standard_D2s_v3", "D2s v3", "Virtual Machines Dsv3 Series", 0.1, map[string]any{"effectiveStartDate": "2020-01-01T00:00:00Z"}),
			meter("Standard_D2s_v3", "D2s v3", "Virtual Machines Dsv3 Series", 0.2, map[string]any{"unitOfMeasure": "1/Month"}),
			meter("", "Dedicated Host", "Virtual Machines Dedicated Host", 4.0, nil),
		},
		{}, // a last page without items
	})
	got, err := Fetch(context.Background(), Query{Region: "WestEurope", Currency: "eur", URL: srv.URL + "/api/retail/prices"})
	if err != nil {
		t.Fatal(err)
	}
	// NC6: Linux 0.9 (not Windows 1.08, the reservation or dev/test); low priority: the Low
	// Priority meter over the Spot one. D2s v3: 0.096 (the later effective date), spot 0.0192.
	want := []VMPrice{
		{"Standard_D2s_v3", Dedicated, 0.096, "EUR"}, {"Standard_D2s_v3", LowPriority, 0.0192, "EUR"},
		{"Standard_NC6", Dedicated, 0.9, "EUR"}, {"Standard_NC6", LowPriority, 0.18, "EUR"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Fetch =\n%v\nwant\n%v", got, want)
	}
	if len(*asked) != 3 {
		t.Fatalf("pages asked: %d, want 3", len(*asked))
	}
	if (*asked)[0] != "'EUR' serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq 'westeurope'" {
		t.Errorf("first request asked %q", (*asked)[0])
	}
}

func TestFetchErrorPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html>\n<body>Service   Unavailable</body></html>")
	}))
	defer srv.Close()
	_, err := Fetch(context.Background(), Query{Region: "westeurope", URL: srv.URL + "/api/retail/prices"})
	if err == nil || !strings.Contains(err.Error(), "answered 503 Service Unavailable: <html> <body>Service Unavailable</body></html>") ||
		strings.Contains(err.Error(), "filter") {
		t.Errorf("err = %v, want the status and the page in one line, without the query", err)
	}
}

func TestFetchNotJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>login</html>") }))
	defer srv.Close()
	_, err := Fetch(context.Background(), Query{Region: "westeurope", URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "not the Azure Retail Prices API's JSON") {
		t.Errorf("err = %v", err)
	}
}

func TestFetchUnreachable(t *testing.T) {
	// A port that was open a moment ago and is closed now: the connection is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = Fetch(context.Background(), Query{Region: "westeurope", URL: "http://" + addr + "/api/retail/prices"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Azure Retail Prices API at http://"+addr+"/api/retail/prices") ||
		!strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v, want the endpoint named and the refusal", err)
	}
}

func TestFetchEndlessListing(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"Items": []any{}, "NextPageLink": srv.URL + "/again"})
	}))
	defer srv.Close()
	_, err := Fetch(context.Background(), Query{Region: "westeurope", URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "does not end") {
		t.Errorf("err = %v, want a listing that loops refused", err)
	}
}

func TestFetchNeedsRegionAndURL(t *testing.T) {
	if _, err := Fetch(context.Background(), Query{}); err == nil {
		t.Error("no region: no error")
	}
	if _, err := Fetch(context.Background(), Query{Region: "westeurope", URL: "ftp://x"}); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("ftp URL: %v", err)
	}
}
