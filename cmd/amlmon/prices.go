package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/pricing"
	"github.com/amlmon/amlmon/reports"
)

// pricesCommand is prices' entry in the help and the dispatch.
func pricesCommand() command {
	return command{
		name:     "prices",
		synopsis: "prices --region REGION --out FILE [--currency USD] [flags]",
		summary:  "write the VM prices of a region, for the cost of node-hours in the report",
		about: `Reads the pay-as-you-go Linux prices of the region's virtual machines from the Azure
Retail Prices API (public, no credentials) and writes them as a price file:
vm_size,vm_priority,hourly_price, one row per VM size and priority (Dedicated, and
LowPriority from the Low Priority or Spot meter). Give it to run or report as --prices
FILE and the report adds the cost of each cluster's node-hours, in the file's currency.
The file is plain CSV: edit it for negotiated prices.`,
		examples: `  amlmon prices --region westeurope --currency EUR --out prices.csv
  amlmon report --lake ./lake --out ./reports --prices prices.csv`,
		options: func() subcommand { return &PricesOptions{} },
	}
}

// PricesOptions are the flags of `amlmon prices`.
type PricesOptions struct {
	Common   CommonOptions
	Region   string
	Currency string
	Out      string
	APIURL   string
}

// AddFlags registers the flags of prices.
func (o *PricesOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Region, "region", "", "the Azure region of the clusters, as ARM names it (westeurope, eastus, ...)")
	fs.StringVar(&o.Currency, "currency", "USD", "the currency of the prices (USD, EUR, GBP, ...)")
	fs.StringVar(&o.Out, "out", "", "the price file to write, for --prices of run and report")
	fs.StringVar(&o.APIURL, "api-url", pricing.DefaultURL, "the Azure Retail Prices API, or a mirror of it")
	o.Common.AddFlags(fs)
	// --out is the price file here, not the reports folder of run and report.
	bindEnv(fs, "out", "AMLMON_PRICES")
	bindEnv(fs, "api-url", "AMLMON_PRICES_API_URL")
}

// Run reads the region's VM prices and writes them as a price file.
func (o *PricesOptions) Run(ctx context.Context, st *streams, _ []string) error {
	switch {
	case o.Region == "":
		return usagef("no region given; type --region REGION as ARM names it, e.g. --region westeurope")
	case o.Out == "":
		return usagef("no price file given; type --out FILE (then pass it to run or report as --prices FILE)")
	}
	log := o.Common.logger(st)
	start := time.Now()
	found, err := pricing.Fetch(ctx, pricing.Query{Region: o.Region, Currency: o.Currency, URL: o.APIURL})
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("read the prices of %s: %w", o.Region, err))
	}
	if len(found) == 0 {
		return fmt.Errorf("no Linux pay-as-you-go VM price for region %q in %s; check --region (an ARM region name such as westeurope) and --currency", o.Region, o.Currency)
	}
	prices := make([]reports.Price, len(found))
	for i, p := range found {
		prices[i] = reports.Price{VMSize: p.VMSize, VMPriority: p.Priority, Hourly: p.Hourly}
	}
	var buf bytes.Buffer
	if err := reports.WritePrices(&buf, prices); err != nil {
		return fmt.Errorf("encode prices: %w", err)
	}
	if err := writeFileAtomic(o.Out, buf.Bytes()); err != nil {
		return err
	}
	log.Info("prices written", "region", o.Region, "currency", o.Currency, "prices", len(prices), "file", o.Out,
		"duration", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(o.Common.summaryOut(st), "Prices:   %d VM sizes and priorities of %s in %s written to %s\n", len(prices), o.Region, o.Currency, o.Out)
	return nil
}

// writeFileAtomic writes data to a temporary file beside path that then takes its place, so
// that a run reading the price file never sees half of it.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
