package secrettest

import (
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"clean", `{"level":"INFO","msg":"call","status":200}`, nil},
		{"raw", "Authorization: Bearer " + LogtoAPIKey, []string{LogtoAPIKey}},
		{"query-escaped", "token=" + url.QueryEscape(OAuth2ClientSecret), []string{OAuth2ClientSecret}},
		{"JSON-escaped", `{"secret":"cl1ent-s3cret/\u0026="}`, []string{OAuth2ClientSecret}},
		{"base64", "Basic " + base64.StdEncoding.EncodeToString([]byte(InboundToken)), []string{InboundToken}},
		{"extra", "x-other-1234", []string{"x-other-1234"}},
		{"two", InboundAPIKey + " " + SandboxToken, []string{SandboxToken, InboundAPIKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.ElementsMatch(t, tc.want, Find(tc.text, "x-other-1234"))
		})
	}
}
