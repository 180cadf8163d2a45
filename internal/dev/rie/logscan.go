package rie

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// initReportRE matches the emulator's init report, e.g.
// "25 Nov 2026 12:45:27,078 [INFO] (rapid) INIT REPORT(durationMs: 12.345000)".
var initReportRE = regexp.MustCompile(`\bINIT REPORT\(durationMs: ([0-9]+(?:\.[0-9]+)?)\)`)

// ParseInitReport returns the duration in an emulator INIT REPORT log line.
func ParseInitReport(line string) (time.Duration, bool) {
	m := initReportRE.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// Logs returns the last lines the emulator and the function wrote.
func (e *Emulator) Logs() string { return e.out.Tail() }

// logScanner receives the emulator's output, passes it on line by line, keeps the last lines
// for error messages and picks up the INIT REPORT.
type logScanner struct {
	pw       *io.PipeWriter
	done     chan struct{}
	initDone chan struct{}
	init     time.Duration

	mu   sync.Mutex
	tail []string
}

const tailLines = 40

func newLogScanner(out io.Writer) *logScanner {
	pr, pw := io.Pipe()
	s := &logScanner{pw: pw, done: make(chan struct{}), initDone: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			if out != nil {
				fmt.Fprintln(out, line)
			}
			s.mu.Lock()
			s.tail = append(s.tail, line)
			if len(s.tail) > tailLines {
				s.tail = s.tail[len(s.tail)-tailLines:]
			}
			s.mu.Unlock()
			if d, ok := ParseInitReport(line); ok && !isClosed(s.initDone) {
				s.init = d
				close(s.initDone)
			}
		}
		// A line longer than the buffer ends the scan: drain so the emulator never blocks.
		_, _ = io.Copy(io.Discard, pr)
	}()
	return s
}

func (s *logScanner) Write(p []byte) (int, error) { return s.pw.Write(p) }

// Close ends the stream (after the emulator exited) and waits for the last lines.
func (s *logScanner) Close() {
	s.pw.Close()
	<-s.done
}

// Tail returns the last lines seen.
func (s *logScanner) Tail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
