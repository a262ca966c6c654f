package archive

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		secrets  []string
	}{
		{
			in:   `GET https://a.blob.core.windows.net/c/b?se=2026-11-26&sig=abc%2Bdef%3D&sp=r`,
			want: `GET https://a.blob.core.windows.net/c/b?se=2026-11-26&sig=REDACTED&sp=r`,
		},
		{
			in:   `Get "http://127.0.0.1:1/acct?SIG=xyz": dial tcp: connection refused`,
			want: `Get "http://127.0.0.1:1/acct?SIG=REDACTED": dial tcp: connection refused`,
		},
		{
			in:   `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2Vj+cmV0/a2V5==;EndpointSuffix=core.windows.net`,
			want: `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net`,
		},
		{
			in:   `BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=2022-11-02&ss=b&sig=abc`,
			want: `BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=REDACTED`,
		},
		{
			in:   `Authorization: Bearer eyJ0eXAiOiJKV1Qi.x.y` + "\n" + `Authorization: SharedKey acct:c2lnbmF0dXJl`,
			want: `Authorization: Bearer REDACTED` + "\n" + `Authorization: SharedKey REDACTED`,
		},
		{
			in:   `escaped url https%3A%2F%2Fa%2Fb%3Fsig%3Dabc%26sp%3Dr`,
			want: `escaped url https%3A%2F%2Fa%2Fb%3Fsig%3DREDACTED%26sp%3Dr`,
		},
		{
			// Only whole words: a design= parameter is no signature.
			in:   `design=blue&sig=`,
			want: `design=blue&sig=`,
		},
		{
			in:      `key c2VjcmV0LWtleQ== echoed`,
			want:    `key REDACTED echoed`,
			secrets: []string{"c2VjcmV0LWtleQ=="},
		},
		{
			in:   `naïve ÄÖÜ text with sig=s3cr3t and more`,
			want: `naïve ÄÖÜ text with sig=REDACTED and more`,
		},
		{in: `nothing secret here`, want: `nothing secret here`},
	} {
		got := redact(tc.in, tc.secrets...)
		if got != tc.want {
			t.Errorf("redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if again := redact(got, tc.secrets...); again != got {
			t.Errorf("redact is not idempotent on %q: %q", got, again)
		}
	}
}

func TestRedactNeverLeaksSignature(t *testing.T) {
	sig := "Zm9vYmFyYmF6cXV4"
	for _, s := range []string{
		"?sig=" + sig, "&Sig=" + sig + "&x=1", "sig=" + sig + "\"", "<Url>https://x/y?sig=" + sig + "</Url>",
	} {
		if got := redact(s); strings.Contains(got, sig) {
			t.Errorf("redact(%q) = %q", s, got)
		}
	}
}
