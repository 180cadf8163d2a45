package rie

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Response is the emulator's answer to one invoke.
type Response struct {
	// Status is the HTTP status of the emulator: 200 for an answer of the function, including
	// a function error; 502 when the bootstrap failed its init or crashed.
	Status int
	// Body is the function's response payload (or the error object).
	Body []byte
}

// FunctionError reports whether Body is a Lambda function error object, and its fields.
func (r Response) FunctionError() (errorType, message string, ok bool) {
	var fe struct {
		Message *string `json:"errorMessage"`
		Type    string  `json:"errorType"`
	}
	if json.Unmarshal(r.Body, &fe) != nil || fe.Message == nil {
		return "", "", false
	}
	return fe.Type, *fe.Message, true
}

// Invoke posts event and returns the answer. Invokes of one emulator run one at a time.
func (e *Emulator) Invoke(ctx context.Context, event []byte) (Response, error) {
	e.invokeMu.Lock()
	defer e.invokeMu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+e.Addr+InvokePath, bytes.NewReader(event))
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke: %w\n%s", err, e.out.Tail())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke: read the answer: %w", err)
	}
	e.rememberRuntime()
	return Response{Status: resp.StatusCode, Body: body}, nil
}
