package funcurl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// WriteResponse writes resp to w as a Function URL would send it to the client. It checks resp
// before writing anything, so on a non-nil error from that check w is untouched.
func WriteResponse(w http.ResponseWriter, resp events.LambdaFunctionURLResponse) error {
	status, body, err := decodeResponse(resp)
	if err != nil {
		return err
	}
	h := w.Header()
	for name, value := range resp.Headers {
		switch strings.ToLower(name) {
		case "content-length", "transfer-encoding", "connection":
			continue // the server frames the body itself
		}
		h.Set(name, value)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil && !errors.Is(err, http.ErrBodyNotAllowed) {
		return fmt.Errorf("write response body: %w", err)
	}
	return nil
}

// decodeResponse validates resp and returns its status code and body bytes.
func decodeResponse(resp events.LambdaFunctionURLResponse) (int, []byte, error) {
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return 0, nil, fmt.Errorf("response statusCode %d out of range 100-999", resp.StatusCode)
	}
	if !resp.IsBase64Encoded {
		return status, []byte(resp.Body), nil
	}
	body, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("decode response body: isBase64Encoded is true but body is not base64: %w", err)
	}
	return status, body, nil
}
