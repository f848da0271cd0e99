package tfrunner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// uiMessage is one line of Terraform's machine-readable UI stream
// (https://developer.hashicorp.com/terraform/internals/machine-readable-ui).
// Only the fields the progress line and error reports need are decoded.
type uiMessage struct {
	Level   string `json:"@level"`
	Message string `json:"@message"`
	Type    string `json:"type"`
	Hook    struct {
		Resource struct {
			Addr string `json:"addr"`
		} `json:"resource"`
		Action         string  `json:"action"`
		ElapsedSeconds float64 `json:"elapsed_seconds"`
		IDValue        string  `json:"id_value"`
	} `json:"hook"`
	Change struct {
		Resource struct {
			Addr string `json:"addr"`
		} `json:"resource"`
		Action string `json:"action"`
	} `json:"change"`
	Changes *struct {
		Add       int    `json:"add"`
		Change    int    `json:"change"`
		Remove    int    `json:"remove"`
		Import    int    `json:"import"`
		Operation string `json:"operation"`
	} `json:"changes"`
	Diagnostic *Diagnostic `json:"diagnostic"`
}

// Diagnostic is an error or warning Terraform reported.
type Diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Address  string `json:"address"`
	Range    *struct {
		Filename string `json:"filename"`
		Start    struct {
			Line int `json:"line"`
		} `json:"start"`
	} `json:"range"`
}

func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Summary)
	if d.Address != "" {
		fmt.Fprintf(&b, " (%s)", d.Address)
	}
	if d.Range != nil && d.Range.Filename != "" {
		fmt.Fprintf(&b, " at %s:%d", d.Range.Filename, d.Range.Start.Line)
	}
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(strings.Join(strings.Fields(d.Detail), " "))
	}
	return b.String()
}

// verbs maps a hook action to what the operator reads.
var verbs = map[string]string{
	"create":  "creating",
	"update":  "updating",
	"delete":  "destroying",
	"replace": "replacing",
	"read":    "reading",
	"noop":    "checking",
}

// Progress turns a UI stream into a live status: what is being changed,
// N of M done, and elapsed time. On a terminal it redraws one line; anywhere
// else it prints plain lines (start, finish, and a heartbeat per resource at
// most every HeartbeatEvery).
type Progress struct {
	Out            io.Writer
	TTY            bool
	Verb           string // "Applying", "Planning", "Destroying"
	Total          int    // resources to change; 0 = learn from planned_change messages
	HeartbeatEvery time.Duration
	Now            func() time.Time
	// Quiet prints no per-resource lines (plan: its data source reads are
	// noise) and leaves errors to the caller's final error; warnings and the
	// live terminal line remain.
	Quiet bool

	mu       sync.Mutex
	start    time.Time
	done     int
	errored  int
	planned  int
	inflight map[string]time.Time // addr → start
	order    []string
	lastBeat map[string]time.Time
	diags    []Diagnostic
	summary  string
	drawn    bool
	stop     chan struct{}
	stopped  chan struct{}
}

func (p *Progress) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Start begins timing (and, on a terminal, redrawing once a second).
func (p *Progress) Start() {
	p.mu.Lock()
	p.start = p.now()
	p.inflight = map[string]time.Time{}
	p.lastBeat = map[string]time.Time{}
	if p.HeartbeatEvery == 0 {
		p.HeartbeatEvery = time.Minute
	}
	p.mu.Unlock()
	if p.TTY {
		p.stop, p.stopped = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(p.stopped)
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-t.C:
					p.mu.Lock()
					p.redraw()
					p.mu.Unlock()
				}
			}
		}()
	}
}

// Stop ends the live line.
func (p *Progress) Stop() {
	if p.stop != nil {
		close(p.stop)
		<-p.stopped
		p.stop = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.TTY && p.drawn {
		fmt.Fprint(p.Out, "\r\033[K")
		p.drawn = false
	}
}

// Consume reads the UI stream until EOF. Lines that are not JSON are ignored.
func (p *Progress) Consume(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var m uiMessage
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		p.Handle(m)
	}
}

// Writer returns a writer that feeds the stream to Consume; close it when done.
func (p *Progress) Writer() io.WriteCloser {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Consume(pr)
		_, _ = io.Copy(io.Discard, pr)
	}()
	return &pipeWriter{pw: pw, done: done}
}

type pipeWriter struct {
	pw   *io.PipeWriter
	done chan struct{}
}

func (w *pipeWriter) Write(b []byte) (int, error) { return w.pw.Write(b) }
func (w *pipeWriter) Close() error {
	err := w.pw.Close()
	<-w.done
	return err
}

// Handle processes one UI message.
func (p *Progress) Handle(m uiMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	addr := m.Hook.Resource.Addr
	switch m.Type {
	case "diagnostic":
		if m.Diagnostic != nil {
			p.diags = append(p.diags, *m.Diagnostic)
			if p.Quiet && m.Diagnostic.Severity == "error" {
				break
			}
			p.line(fmt.Sprintf("%s: %s", strings.ToUpper(m.Diagnostic.Severity), m.Diagnostic))
		}
	case "planned_change":
		if m.Change.Action != "noop" && m.Change.Action != "read" {
			p.planned++
		}
	case "change_summary":
		p.summary = m.Message
	case "apply_start":
		p.inflight[addr] = p.now()
		p.order = append(p.order, addr)
		if !p.TTY && !p.Quiet {
			p.line(fmt.Sprintf("%s %s %s", p.count(), verbs[m.Hook.Action], addr))
		}
	case "apply_progress":
		if !p.TTY && !p.Quiet {
			if last, ok := p.lastBeat[addr]; !ok || p.now().Sub(last) >= p.HeartbeatEvery {
				p.lastBeat[addr] = p.now()
				p.line(fmt.Sprintf("%s still %s %s (%s)", p.count(), verbs[m.Hook.Action], addr, round(time.Duration(m.Hook.ElapsedSeconds*float64(time.Second)))))
			}
		}
	case "apply_complete":
		p.finish(addr)
		p.done++
		if !p.TTY && !p.Quiet {
			p.line(fmt.Sprintf("%s done %s after %s", p.count(), addr, round(time.Duration(m.Hook.ElapsedSeconds*float64(time.Second)))))
		}
	case "apply_errored":
		p.finish(addr)
		p.errored++
		if p.Quiet {
			break
		}
		p.line(fmt.Sprintf("%s FAILED %s after %s", p.count(), addr, round(time.Duration(m.Hook.ElapsedSeconds*float64(time.Second)))))
	case "log":
		if strings.HasPrefix(m.Message, "Interrupt received") || strings.Contains(m.Message, "Stopping operation") {
			p.line(m.Message)
		}
	}
	p.redraw()
}

func (p *Progress) finish(addr string) {
	delete(p.inflight, addr)
	for i, a := range p.order {
		if a == addr {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
}

func (p *Progress) total() int {
	if p.Total > 0 {
		return p.Total
	}
	return p.planned
}

func (p *Progress) count() string {
	if t := p.total(); t > 0 {
		return fmt.Sprintf("[%d/%d]", p.done+p.errored, t)
	}
	return fmt.Sprintf("[%d]", p.done+p.errored)
}

// line prints a permanent line (clearing the live line first on a terminal).
func (p *Progress) line(s string) {
	if p.TTY && p.drawn {
		fmt.Fprint(p.Out, "\r\033[K")
		p.drawn = false
	}
	fmt.Fprintln(p.Out, s)
}

// redraw repaints the live line on a terminal; a no-op elsewhere.
func (p *Progress) redraw() {
	if !p.TTY || p.start.IsZero() {
		return
	}
	s := fmt.Sprintf("%s %s, %s elapsed", p.Verb, p.count(), round(p.now().Sub(p.start)))
	if n := len(p.order); n > 0 {
		// Show the longest-running resource: on this stack it is the MSK cluster.
		oldest := p.order[0]
		s += fmt.Sprintf(" — %s (%s)", oldest, round(p.now().Sub(p.inflight[oldest])))
		if n > 1 {
			s += fmt.Sprintf(" +%d more", n-1)
		}
	}
	fmt.Fprint(p.Out, "\r\033[K"+s)
	p.drawn = true
}

// Diagnostics returns the errors and warnings seen so far.
func (p *Progress) Diagnostics() []Diagnostic {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Diagnostic(nil), p.diags...)
}

// Done returns how many resources completed and how many failed.
func (p *Progress) Done() (ok, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done, p.errored
}

// Summary is Terraform's closing change_summary message, if any.
func (p *Progress) Summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.summary
}

func round(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
