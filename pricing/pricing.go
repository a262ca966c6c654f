// Package pricing reads the hourly prices of Azure virtual machines from the Azure Retail
// Prices REST API (https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices):
// public, without credentials, paged by NextPageLink. It keeps the pay-as-you-go Linux prices
// of one region, per VM size and priority as AmlComputeClusterEvent names them (VmSize
// Standard_NC6, VmPriority Dedicated or LowPriority), for the report's cost figures.
package pricing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// DefaultURL is the endpoint of the Azure Retail Prices API.
const DefaultURL = "https://prices.azure.com/api/retail/prices"

// The priorities of an Azure ML compute cluster's nodes, as AmlComputeClusterEvent spells
// VmPriority.
const (
	Dedicated   = "Dedicated"
	LowPriority = "LowPriority"
)

// maxPages bounds a listing that never ends; one region's VM meters take a few dozen pages.
const maxPages = 10000

// maxPage bounds the bytes read of one page (the API answers at most 1,000 items, ~1 MB).
const maxPage = 64 << 20

// Query says which prices to read.
type Query struct {
	Region   string // armRegionName, e.g. westeurope
	Currency string // currencyCode, e.g. EUR; empty: USD, the API's default
	URL      string // the API's endpoint; empty: DefaultURL
	// Client sends the requests; nil: a client that gives up on a page after a minute.
	Client *http.Client
}

// VMPrice is the pay-as-you-go price of one hour of one node.
type VMPrice struct {
	VMSize   string // armSkuName, e.g. Standard_NC6
	Priority string // Dedicated or LowPriority
	Hourly   float64
	Currency string
}

// item is one meter of the API's answer; only the fields used are decoded.
type item struct {
	CurrencyCode         string  `json:"currencyCode"`
	RetailPrice          float64 `json:"retailPrice"`
	ArmRegionName        string  `json:"armRegionName"`
	EffectiveStartDate   string  `json:"effectiveStartDate"`
	MeterName            string  `json:"meterName"`
	ProductName          string  `json:"productName"`
	SkuName              string  `json:"skuName"`
	ServiceName          string  `json:"serviceName"`
	UnitOfMeasure        string  `json:"unitOfMeasure"`
	Type                 string  `json:"type"`
	IsPrimaryMeterRegion bool    `json:"isPrimaryMeterRegion"`
	ArmSkuName           string  `json:"armSkuName"`
}

type page struct {
	Items        []item `json:"Items"`
	NextPageLink string `json:"NextPageLink"`
}

// Fetch reads every page of the region's virtual machine consumption prices and returns one
// price per VM size and priority, sorted by size and priority. It keeps the meters billed by
// the hour whose product is not Windows (the Linux price, which Azure ML compute pays); a
// meter named "Low Priority" or "Spot" prices a LowPriority node, any other a Dedicated one.
// Where meters repeat for a size and priority, a Low Priority meter wins over a Spot one, then
// the primary meter region, then the latest effective date, then the lower price.
func Fetch(ctx context.Context, q Query) ([]VMPrice, error) {
	if strings.TrimSpace(q.Region) == "" {
		return nil, errors.New("no region given")
	}
	next, err := firstPage(q)
	if err != nil {
		return nil, err
	}
	client := q.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	best := map[[2]string]candidate{}
	seen := map[string]bool{}
	for n := 0; next != ""; n++ {
		if n == maxPages || seen[next] {
			return nil, fmt.Errorf("the price listing of %s does not end after %d pages", endpoint(next), n)
		}
		seen[next] = true
		p, err := get(ctx, client, next)
		if err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			c, ok := keep(it, q)
			if !ok {
				continue
			}
			key := [2]string{strings.ToLower(c.price.VMSize), c.price.Priority}
			if old, dup := best[key]; !dup || c.better(old) {
				best[key] = c
			}
		}
		next = p.NextPageLink
	}
	prices := make([]VMPrice, 0, len(best))
	for _, c := range best {
		prices = append(prices, c.price)
	}
	sort.Slice(prices, func(i, j int) bool {
		a, b := strings.ToLower(prices[i].VMSize), strings.ToLower(prices[j].VMSize)
		if a != b {
			return a < b
		}
		return prices[i].Priority < prices[j].Priority
	})
	return prices, nil
}

// firstPage is the URL of the first page: the endpoint with the filter of q.
func firstPage(q Query) (string, error) {
	base := q.URL
	if base == "" {
		base = DefaultURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("API URL %q is not an http(s) URL", base)
	}
	filter := fmt.Sprintf("serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq '%s'",
		strings.ReplaceAll(strings.ToLower(strings.TrimSpace(q.Region)), "'", "''"))
	params := []string{"$filter=" + escape(filter)}
	if q.Currency != "" {
		params = append([]string{"currencyCode=" + escape("'"+strings.ToUpper(strings.TrimSpace(q.Currency))+"'")}, params...)
	}
	if u.RawQuery != "" {
		params = append([]string{u.RawQuery}, params...)
	}
	u.RawQuery = strings.Join(params, "&")
	return u.String(), nil
}

// escape encodes a query value with %20 for spaces, as the API's documentation writes them.
func escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// endpoint is a URL without its query, for messages.
func endpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the prices API"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// get reads one page.
func get(ctx context.Context, client *http.Client, link string) (*page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", endpoint(link), err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is named below, without its query
		}
		return nil, fmt.Errorf("cannot reach the Azure Retail Prices API at %s: %w (check the network, or point --api-url at a mirror)", endpoint(link), err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxPage)
	if resp.StatusCode != http.StatusOK {
		text, _ := io.ReadAll(io.LimitReader(body, 512))
		return nil, fmt.Errorf("the Azure Retail Prices API at %s answered %s: %s", endpoint(link), resp.Status, oneLine(string(text)))
	}
	var p page
	if err := json.NewDecoder(body).Decode(&p); err != nil {
		return nil, fmt.Errorf("read the answer of %s: %w (not the Azure Retail Prices API's JSON)", endpoint(link), err)
	}
	return &p, nil
}

// oneLine squeezes an error page into one short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(no text)"
	}
	return s
}

// candidate is a meter kept for a VM size and priority, with what ranks it against others.
type candidate struct {
	price     VMPrice
	lowMeter  bool // named Low Priority rather than Spot
	primary   bool
	effective string // RFC 3339 as the API writes it, compared as text
}

func (c candidate) better(o candidate) bool {
	switch {
	case c.lowMeter != o.lowMeter:
		return c.lowMeter
	case c.primary != o.primary:
		return c.primary
	case c.effective != o.effective:
		return c.effective > o.effective
	}
	return c.price.Hourly < o.price.Hourly
}

// keep returns the meter as a VM price if it is one: a Linux consumption price per hour of a
// VM size of the region.
func keep(it item, q Query) (candidate, bool) {
	switch {
	case it.ArmSkuName == "",
		!strings.EqualFold(it.Type, "Consumption"),
		!strings.EqualFold(it.ServiceName, "Virtual Machines"),
		!strings.EqualFold(strings.TrimSpace(it.UnitOfMeasure), "1 Hour"),
		strings.Contains(strings.ToLower(it.ProductName), "windows"),
		!strings.EqualFold(it.ArmRegionName, strings.TrimSpace(q.Region)),
		q.Currency != "" && !strings.EqualFold(it.CurrencyCode, strings.TrimSpace(q.Currency)),
		it.RetailPrice < 0:
		return candidate{}, false
	}
	meter := strings.ToLower(it.MeterName + " " + it.SkuName)
	low := strings.Contains(meter, "low priority")
	priority := Dedicated
	if low || strings.Contains(meter, "spot") {
		priority = LowPriority
	}
	currency := it.CurrencyCode
	if currency == "" {
		currency = strings.ToUpper(q.Currency)
	}
	return candidate{
		price:     VMPrice{VMSize: it.ArmSkuName, Priority: priority, Hourly: it.RetailPrice, Currency: currency},
		lowMeter:  low,
		primary:   it.IsPrimaryMeterRegion,
		effective: it.EffectiveStartDate,
	}, true
}
