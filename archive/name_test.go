package archive_test

import (
	"errors"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
)

const (
	wsID   = "/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG-ML/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS-PROD"
	wsName = "resourceId=" + wsID + "/y=2026/m=11/d=25/h=13/m=00/PT1H.json"
)

func TestParseName(t *testing.T) {
	hour := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	workspace := archive.Path{
		Container: "insights-logs-amlcomputejobevent", Category: "amlcomputejobevent",
		ResourceID: wsID, SubscriptionID: "SUB-1", ResourceGroup: "RG-ML",
		Provider: "MICROSOFT.MACHINELEARNINGSERVICES", ResourceType: "WORKSPACES", ResourceName: "WS-PROD",
		Hour: hour,
	}
	with := func(f func(p *archive.Path)) archive.Path {
		p := workspace
		f(&p)
		return p
	}
	for _, c := range []struct {
		name, container, blob string
		want                  archive.Path
	}{
		{"upper case", "insights-logs-amlcomputejobevent", wsName, workspace},
		{"lower case", "insights-logs-amlcomputejobevent",
			"resourceid=/subscriptions/sub-1/resourcegroups/rg-ml/providers/microsoft.machinelearningservices/workspaces/ws-prod/y=2026/m=11/d=25/h=13/m=00/PT1H.json",
			workspace},
		{"mixed case keys", "insights-logs-amlcomputejobevent",
			"resourceId=/subscriptions/Sub-1/resourceGroups/rg-ML/providers/Microsoft.MachineLearningServices/workspaces/WS-prod/Y=2026/M=11/D=25/H=13/M=00/pt1h.JSON",
			workspace},
		{"trailing slash on the resource ID", "insights-logs-amlcomputejobevent",
			"resourceId=" + wsID + "//y=2026/m=11/d=25/h=13/m=00/PT1H.json", workspace},
		{"one-digit month", "insights-logs-amlcomputejobevent",
			"resourceId=" + wsID + "/y=2026/m=1/d=25/h=13/m=00/PT1H.json",
			with(func(p *archive.Path) { p.Hour = time.Date(2026, 1, 25, 13, 0, 0, 0, time.UTC) })},
		{"gzip", "insights-logs-amlcomputejobevent", wsName + ".gz", workspace},
		{"upper-case container", "INSIGHTS-LOGS-AmlComputeJobEvent", wsName,
			with(func(p *archive.Path) { p.Container = "INSIGHTS-LOGS-AmlComputeJobEvent" })},
		{"metrics", "insights-metrics-pt1m", wsName,
			with(func(p *archive.Path) { p.Container, p.Category, p.Metrics = "insights-metrics-pt1m", "metrics", true })},
		{"online endpoint", "insights-logs-amlonlineendpointtrafficlog",
			"resourceId=" + wsID + "/ONLINEENDPOINTS/EP-1/y=2026/m=11/d=25/h=13/m=00/PT1H.json",
			with(func(p *archive.Path) {
				p.Container, p.Category = "insights-logs-amlonlineendpointtrafficlog", "amlonlineendpointtrafficlog"
				p.ResourceID, p.ResourceType, p.ResourceName = wsID+"/ONLINEENDPOINTS/EP-1", "WORKSPACES/ONLINEENDPOINTS", "EP-1"
			})},
		{"other provider", "insights-metrics-pt1m",
			"resourceId=/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG-NET/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKS/VNET-1/y=2026/m=11/d=25/h=13/m=00/PT1H.json",
			archive.Path{Container: "insights-metrics-pt1m", Category: "metrics", Metrics: true,
				ResourceID:     "/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG-NET/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKS/VNET-1",
				SubscriptionID: "SUB-1", ResourceGroup: "RG-NET", Provider: "MICROSOFT.NETWORK",
				ResourceType: "VIRTUALNETWORKS", ResourceName: "VNET-1", Hour: hour}},
		{"leap day", "insights-logs-amlcomputejobevent",
			"resourceId=" + wsID + "/y=2024/m=02/d=29/h=00/m=00/PT1H.json",
			with(func(p *archive.Path) { p.Hour = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC) })},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := archive.ParseName(c.container, c.blob)
			if err != nil {
				t.Fatalf("ParseName: %v", err)
			}
			if !got.Hour.Equal(c.want.Hour) || got.Hour.Location() != time.UTC {
				t.Errorf("hour %v, want %v UTC", got.Hour, c.want.Hour)
			}
			got.Hour = c.want.Hour
			if got != c.want {
				t.Errorf("parsed\n  %+v\nwant\n  %+v", got, c.want)
			}
		})
	}
}

func TestParseNameUnrecognised(t *testing.T) {
	const prefix = "resourceId=" + wsID
	for _, c := range []struct{ name, container, blob string }{
		{"other container", "insights-activity-logs", wsName},
		{"bare logs prefix", "insights-logs-", wsName},
		{"no resourceId=", "insights-logs-x", wsID[1:] + "/y=2026/m=11/d=25/h=13/m=00/PT1H.json"},
		{"month 13", "insights-logs-x", prefix + "/y=2026/m=13/d=25/h=13/m=00/PT1H.json"},
		{"month 0", "insights-logs-x", prefix + "/y=2026/m=00/d=25/h=13/m=00/PT1H.json"},
		{"day 32", "insights-logs-x", prefix + "/y=2026/m=11/d=32/h=13/m=00/PT1H.json"},
		{"31 November", "insights-logs-x", prefix + "/y=2026/m=11/d=31/h=13/m=00/PT1H.json"},
		{"29 February 2026", "insights-logs-x", prefix + "/y=2026/m=02/d=29/h=13/m=00/PT1H.json"},
		{"hour 24", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=24/m=00/PT1H.json"},
		{"hour not a number", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=1a/m=00/PT1H.json"},
		{"negative hour", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=-1/m=00/PT1H.json"},
		{"year of two digits", "insights-logs-x", prefix + "/y=26/m=11/d=25/h=13/m=00/PT1H.json"},
		{"no m=00", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=13/PT1H.json"},
		{"minute 30", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=13/m=30/PT1H.json"},
		{"segments swapped", "insights-logs-x", prefix + "/m=11/y=2026/d=25/h=13/m=00/PT1H.json"},
		{"extra time segment", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=13/s=00/m=00/PT1H.json"},
		{"extra resource segment", "insights-logs-x", prefix + "/EXTRA/y=2026/m=11/d=25/h=13/m=00/PT1H.json"},
		{"extra file segment", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=13/m=00/PT1H.json/x"},
		{"trailing slash", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=13/m=00/PT1H.json/"},
		{"other file", "insights-logs-x", prefix + "/y=2026/m=11/d=25/h=13/m=00/PT1M.json"},
		{"no provider", "insights-logs-x", "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/y=2026/m=11/d=25/h=13/m=00/PT1H.json"},
		{"subscription only", "insights-logs-x", "resourceId=/SUBSCRIPTIONS/S/y=2026/m=11/d=25/h=13/m=00/PT1H.json"},
		{"empty resource segment", "insights-logs-x", "resourceId=/SUBSCRIPTIONS//RESOURCEGROUPS/RG/PROVIDERS/P/T/N/y=2026/m=11/d=25/h=13/m=00/PT1H.json"},
		{"wrong keyword", "insights-logs-x", "resourceId=/SUBSCRIPTION/S/RESOURCEGROUPS/RG/PROVIDERS/P/T/N/y=2026/m=11/d=25/h=13/m=00/PT1H.json"},
		{"empty", "insights-logs-x", ""},
		{"plain file", "insights-logs-x", "manifest.json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := archive.ParseName(c.container, c.blob)
			if !errors.Is(err, archive.ErrUnrecognised) {
				t.Fatalf("ParseName = %+v, %v; want ErrUnrecognised", p, err)
			}
		})
	}
}

func TestNewBlob(t *testing.T) {
	mod := time.Date(2026, 11, 25, 14, 3, 0, 0, time.FixedZone("CET", 3600))
	b := archive.NewBlob("insights-logs-x", wsName+".gz", 42, `"0x1"`, mod, archive.AppendBlob)
	if b.Err != nil || !b.Gzip || b.Path.ResourceName != "WS-PROD" || b.LastModified.Location() != time.UTC || !b.LastModified.Equal(mod) {
		t.Errorf("NewBlob = %+v", b)
	}
	b = archive.NewBlob("insights-logs-x", "readme.md", 1, `"0x1"`, mod, archive.BlockBlob)
	if !errors.Is(b.Err, archive.ErrUnrecognised) || b.Name != "readme.md" || b.Size != 1 || b.Gzip {
		t.Errorf("NewBlob of an unrecognised name = %+v", b)
	}
}
