// Package funcurl owns the translation between net/http and the Lambda Function URL event
// types (payload format 2.0, events.LambdaFunctionURLRequest/Response): it serves a Lambda
// handler over plain HTTP exactly as a Function URL would invoke it (for the local runner and
// the browser test), and runs a net/http handler as a Function URL Lambda handler.
//
// Requests are built the way the service builds them: version "2.0"; rawPath and
// rawQueryString as sent; header names in lower case with repeated headers joined by ",";
// the Cookie header moved to cookies (one element per cookie); queryStringParameters decoded,
// repeated parameters joined by ","; requestContext.http with method, path, protocol, sourceIp
// and userAgent; a body that is not text (by Content-Type) or not valid UTF-8 is base64 encoded
// with isBase64Encoded set. Responses are written the way the service writes them: a missing
// status code means 200, a missing Content-Type means application/json, a base64 body is
// decoded, each element of cookies becomes one Set-Cookie header, and a handler error becomes
// 502 "Internal Server Error".
package funcurl

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// MaxBodyBytes is the largest request body a Function URL accepts (the 6 MB synchronous
// invocation payload limit); Handler answers 413 to larger ones.
const MaxBodyBytes = 6 << 20

// HandlerFunc is the shape of a Lambda handler behind a Function URL.
type HandlerFunc func(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error)

// ErrBodyTooLarge is returned by NewRequest when the body exceeds MaxBodyBytes.
var ErrBodyTooLarge = errors.New("request body larger than 6 MB")

// Handler serves fn over net/http: each request is turned into the event a Function URL would
// send, and fn's response is written back. Errors are logged with logger (nil: slog.Default).
func Handler(fn HandlerFunc, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := NewRequest(r)
		if errors.Is(err, ErrBodyTooLarge) {
			http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			logger.ErrorContext(r.Context(), "funcurl: build event", slog.String("error", err.Error()))
			http.Error(w, "Bad Request", http.StatusBadRequest)
			return
		}
		resp, err := fn(r.Context(), req)
		if err != nil {
			logger.ErrorContext(r.Context(), "funcurl: handler error", slog.String("error", err.Error()))
			http.Error(w, "Internal Server Error", http.StatusBadGateway)
			return
		}
		if _, _, err := decodeResponse(resp); err != nil {
			logger.ErrorContext(r.Context(), "funcurl: invalid response", slog.String("error", err.Error()))
			http.Error(w, "Internal Server Error", http.StatusBadGateway)
			return
		}
		if err := WriteResponse(w, resp); err != nil {
			logger.ErrorContext(r.Context(), "funcurl: write response", slog.String("error", err.Error()))
		}
	})
}
