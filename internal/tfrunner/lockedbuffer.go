package tfrunner

import (
	"bytes"
	"sync"
)

// lockedBuffer is a bytes.Buffer that several goroutines may write at once
// (terraform-exec copies stdout and stderr concurrently).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
