package xapitest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// statusWriter remembers the status written (499: nothing written, the
// client went away first) and the posts of a page served.
type statusWriter struct {
	http.ResponseWriter
	status   int
	posts    int
	onStatus func(status int) // called once, when the status is first written
}

func (w *statusWriter) WriteHeader(code int) {
	w.setStatus(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.setStatus(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) setStatus(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.onStatus != nil {
		w.onStatus(code)
	}
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"title":"Internal Server Error","detail":"Internal Server Error","type":"about:blank","status":500}`)
	}
	writeBody(w, status, b, nil)
}

// writeBody sends body with X's content type, applying Truncate and
// CutConnection from the fault.
func writeBody(w http.ResponseWriter, status int, body []byte, fault *Fault) int {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if fault != nil && fault.Truncate > 0 && fault.Truncate < len(body) {
		if fault.CutConnection {
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			_, _ = w.Write(body[:fault.Truncate])
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			panic(http.ErrAbortHandler) // net/http closes the connection without logging
		}
		body = body[:fault.Truncate]
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}
