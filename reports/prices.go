package reports

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Price is what one node of a VM size at one priority costs per hour, in the currency of the
// price file it comes from. cluster_usage.csv matches it to a cluster's VmSize and VmPriority
// case-insensitively.
type Price struct {
	VMSize     string  `json:"vm_size"`
	VMPriority string  `json:"vm_priority"` // as AmlComputeClusterEvent spells it: Dedicated, LowPriority
	Hourly     float64 `json:"hourly_price"`
}

// priceColumns is the header of a price file.
var priceColumns = []string{"vm_size", "vm_priority", "hourly_price"}

// LoadPrices reads the price file at path (see ReadPrices).
func LoadPrices(path string) ([]Price, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	prices, err := ReadPrices(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return prices, nil
}

// ReadPrices reads a price file: CSV with the header vm_size,vm_priority,hourly_price (in any
// order, names in any case; other columns are ignored), then one row per VM size and priority.
// A missing column, an empty size or priority, a price that is not a non-negative number, or a
// size and priority given twice (in any case) is an error that names the line.
func ReadPrices(r io.Reader) ([]Price, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("empty price file; the first line is the header %s", strings.Join(priceColumns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("read price file: %w", err)
	}
	at := map[string]int{}
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		at[strings.ToLower(strings.TrimSpace(name))] = i
	}
	var idx [3]int
	for i, c := range priceColumns {
		n, ok := at[c]
		if !ok {
			return nil, fmt.Errorf("line 1: no %s column; the header is %s", c, strings.Join(priceColumns, ","))
		}
		idx[i] = n
	}
	var prices []Price
	seen := map[[2]string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read price file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		size, priority, text := strings.TrimSpace(rec[idx[0]]), strings.TrimSpace(rec[idx[1]]), strings.TrimSpace(rec[idx[2]])
		switch {
		case size == "":
			return nil, fmt.Errorf("line %d: empty vm_size", line)
		case priority == "":
			return nil, fmt.Errorf("line %d: empty vm_priority for %s; type Dedicated or LowPriority", line, size)
		}
		hourly, err := strconv.ParseFloat(text, 64)
		if err != nil || hourly < 0 || math.IsInf(hourly, 0) || math.IsNaN(hourly) {
			return nil, fmt.Errorf("line %d: hourly_price %q of %s %s is not a price; type a number such as 0.90", line, text, size, priority)
		}
		key := [2]string{strings.ToLower(size), strings.ToLower(priority)}
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("line %d: %s %s has a price on line %d already; keep one of them", line, size, priority, first)
		}
		seen[key] = line
		prices = append(prices, Price{VMSize: size, VMPriority: priority, Hourly: hourly})
	}
	return prices, nil
}

// WritePrices writes prices as a price file that ReadPrices reads, sorted by VM size and
// priority.
func WritePrices(w io.Writer, prices []Price) error {
	sorted := append([]Price(nil), prices...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if x, y := strings.ToLower(a.VMSize), strings.ToLower(b.VMSize); x != y {
			return x < y
		}
		return strings.ToLower(a.VMPriority) < strings.ToLower(b.VMPriority)
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(priceColumns); err != nil {
		return err
	}
	for _, p := range sorted {
		if err := cw.Write([]string{p.VMSize, p.VMPriority, strconv.FormatFloat(p.Hourly, 'f', -1, 64)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// pricesParam is prices as the JSON list that cluster_usage.sql reads from $prices.
func pricesParam(prices []Price) (string, error) {
	if prices == nil {
		prices = []Price{}
	}
	b, err := json.Marshal(prices)
	if err != nil {
		return "", fmt.Errorf("encode prices: %w", err)
	}
	return string(b), nil
}
