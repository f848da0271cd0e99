package tfrunner

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A trimmed apply stream as Terraform 1.11 writes it with -json.
const applyStream = `{"@level":"info","@message":"Terraform 1.11.4","type":"version","terraform":"1.11.4","ui":"1.2"}
{"@level":"info","@message":"aws_vpc.this: Creating...","type":"apply_start","hook":{"resource":{"addr":"aws_vpc.this"},"action":"create"}}
{"@level":"info","@message":"aws_msk_cluster.this: Creating...","type":"apply_start","hook":{"resource":{"addr":"aws_msk_cluster.this"},"action":"create"}}
{"@level":"info","@message":"aws_vpc.this: Creation complete after 2s","type":"apply_complete","hook":{"resource":{"addr":"aws_vpc.this"},"action":"create","elapsed_seconds":2}}
{"@level":"info","@message":"aws_msk_cluster.this: Still creating... [10s elapsed]","type":"apply_progress","hook":{"resource":{"addr":"aws_msk_cluster.this"},"action":"create","elapsed_seconds":10}}
{"@level":"info","@message":"aws_msk_cluster.this: Still creating... [20s elapsed]","type":"apply_progress","hook":{"resource":{"addr":"aws_msk_cluster.this"},"action":"create","elapsed_seconds":20}}
not json at all
{"@level":"info","@message":"aws_msk_cluster.this: Creation errored after 25m0s","type":"apply_errored","hook":{"resource":{"addr":"aws_msk_cluster.this"},"action":"create","elapsed_seconds":1500}}
{"@level":"error","@message":"Error: creating MSK Cluster","type":"diagnostic","diagnostic":{"severity":"error","summary":"creating MSK Cluster (demo): operation error Kafka: CreateClusterV2","detail":"AccessDenied\n  not authorized","address":"aws_msk_cluster.this","range":{"filename":"msk.tf","start":{"line":12}}}}
{"@level":"info","@message":"Apply complete! Resources: 1 added, 0 changed, 0 destroyed.","type":"change_summary","changes":{"add":1,"change":0,"remove":0,"operation":"apply"}}
`

func TestProgressPlainLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	now := time.Unix(0, 0)
	p := &Progress{Out: &out, Verb: "Applying", Total: 2, HeartbeatEvery: time.Hour, Now: func() time.Time { return now }}
	p.Start()
	p.Consume(strings.NewReader(applyStream))
	p.Stop()
	want := []string{
		"[0/2] creating aws_vpc.this",
		"[0/2] creating aws_msk_cluster.this",
		"[1/2] done aws_vpc.this after 2s",
		"[1/2] still creating aws_msk_cluster.this (10s)",
		"[2/2] FAILED aws_msk_cluster.this after 25m0s",
		"ERROR: creating MSK Cluster (demo): operation error Kafka: CreateClusterV2 (aws_msk_cluster.this) at msk.tf:12: AccessDenied not authorized",
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ok, failed := p.Done(); ok != 1 || failed != 1 {
		t.Errorf("Done = %d, %d", ok, failed)
	}
	if d := p.Diagnostics(); len(d) != 1 || d[0].Address != "aws_msk_cluster.this" {
		t.Errorf("diagnostics: %+v", d)
	}
	if !strings.HasPrefix(p.Summary(), "Apply complete!") {
		t.Errorf("summary %q", p.Summary())
	}
}

func TestProgressTTYRedrawsOneLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	now := time.Unix(1000, 0)
	p := &Progress{Out: &out, TTY: true, Verb: "Applying", Total: 3, Now: func() time.Time { return now }}
	p.start = now
	p.inflight, p.lastBeat = map[string]time.Time{}, map[string]time.Time{}
	lines := strings.Split(applyStream, "\n")
	for _, l := range lines[:3] { // version, two apply_start
		p.Consume(strings.NewReader(l))
	}
	now = now.Add(14*time.Minute + 3*time.Second)
	p.mu.Lock()
	p.redraw()
	p.mu.Unlock()
	s := out.String()
	last := s[strings.LastIndex(s, "\r\033[K")+len("\r\033[K"):]
	if want := "Applying [0/3], 14m3s elapsed — aws_vpc.this (14m3s) +1 more"; last != want {
		t.Errorf("live line %q, want %q", last, want)
	}
	if strings.Contains(s, "\n") {
		t.Errorf("a terminal gets no plain lines for progress: %q", s)
	}
}

// BenchmarkProgressConsume measures decoding Terraform's UI stream; a full
// apply of the stack is a few hundred messages.
func BenchmarkProgressConsume(b *testing.B) {
	var out bytes.Buffer
	stream := strings.Repeat(applyStream, 50)
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		out.Reset()
		p := &Progress{Out: &out, Verb: "Applying", Total: 100}
		p.Start()
		p.Consume(strings.NewReader(stream))
		p.Stop()
	}
}
