package funcurl_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
)

// A Lambda handler served over plain HTTP, as a local runner does with the leaderboard
// handler: http.ListenAndServe("127.0.0.1:8080", funcurl.Handler(h.Handle, logger)).
func ExampleHandler() {
	hello := func(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		return events.LambdaFunctionURLResponse{
			StatusCode: http.StatusOK,
			Headers:    map[string]string{"Content-Type": "text/plain"},
			Body:       req.RequestContext.HTTP.Method + " " + req.RawPath + " name=" + req.QueryStringParameters["name"],
		}, nil
	}
	srv := httptest.NewServer(funcurl.Handler(hello, nil))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/greet?name=w%C3%B6rld")
	if err != nil {
		panic(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 GET /greet name=wörld
}
