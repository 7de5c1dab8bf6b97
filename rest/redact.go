package rest

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
)

const redacted = "--- REDACTED ---"

// configFields is Config without its methods, so fmt prints it field by field.
type configFields Config

// String returns the Config as %+v would print it, secrets redacted.
func (c Config) String() string { return fmt.Sprintf("%+v", c) }

// GoString returns the Config as %#v would print it, secrets redacted.
func (c Config) GoString() string { return fmt.Sprintf("%#v", c) }

// Format prints the Config for every verb with BearerToken, Password, key
// material and exec plugin environment values redacted, so that logging a
// Config never leaks a credential.
func (c Config) Format(f fmt.State, verb rune) {
	printAs(f, verb, configFields(c.redacted()), "rest.configFields", "rest.Config")
}

// printAs prints v for verb; in %#v output the stand-in type's name becomes
// the real one, so the Go syntax reads as what the caller printed.
func printAs(f fmt.State, verb rune, v any, standIn, name string) {
	out := fmt.Sprintf(fmt.FormatString(f, verb), v)
	if verb == 'v' && f.Flag('#') {
		out = strings.ReplaceAll(out, standIn+"{", name+"{")
	}
	_, _ = io.WriteString(f, out)
}

// redacted returns a copy of c whose secrets are replaced by a marker.
func (c Config) redacted() Config {
	c.Host = redactURL(c.Host)
	c.ProxyURL = redactURL(c.ProxyURL)
	if c.BearerToken != "" {
		c.BearerToken = redacted
	}
	if c.Password != "" {
		c.Password = redacted
	}
	if c.ExecProvider != nil {
		ec := c.ExecProvider.redacted()
		c.ExecProvider = &ec
	}
	return c
}

// String returns the ExecConfig as %+v would print it, Env values redacted.
func (e ExecConfig) String() string { return fmt.Sprintf("%+v", e) }

// GoString returns the ExecConfig as %#v would print it, Env values redacted.
func (e ExecConfig) GoString() string { return fmt.Sprintf("%#v", e) }

// execFields is ExecConfig without its methods.
type execFields ExecConfig

// Format prints the ExecConfig with its Env values redacted: plugins are
// often handed secrets through the environment.
func (e ExecConfig) Format(f fmt.State, verb rune) {
	printAs(f, verb, execFields(e.redacted()), "rest.execFields", "rest.ExecConfig")
}

func (e ExecConfig) redacted() ExecConfig {
	env := make([]ExecEnvVar, len(e.Env))
	for i, v := range e.Env {
		env[i] = ExecEnvVar{Name: v.Name, Value: redacted}
	}
	e.Env = env
	return e
}

// tlsView is how a TLSConfig prints: PEM data as its size (a certificate's
// bytes help no reader of a log), the key as a redaction marker.
type tlsView struct {
	Insecure   bool
	ServerName string
	CAFile     string
	CAData     string
	CertFile   string
	CertData   string
	KeyFile    string
	KeyData    string
}

// String returns the TLSConfig as %+v would print it, KeyData redacted.
func (t TLSConfig) String() string { return fmt.Sprintf("%+v", t) }

// GoString returns the TLSConfig as %#v would print it, KeyData redacted.
func (t TLSConfig) GoString() string { return fmt.Sprintf("%#v", t) }

// Format prints the TLSConfig with KeyData redacted and data fields shown
// by size, so that logging cfg.TLS on its own is as safe as logging the Config.
func (t TLSConfig) Format(f fmt.State, verb rune) {
	printAs(f, verb, t.view(), "rest.tlsView", "rest.TLSConfig")
}

func (t TLSConfig) view() tlsView {
	v := tlsView{
		Insecure: t.Insecure, ServerName: t.ServerName,
		CAFile: t.CAFile, CAData: dataSize(t.CAData),
		CertFile: t.CertFile, CertData: dataSize(t.CertData),
		KeyFile: t.KeyFile, KeyData: dataSize(t.KeyData),
	}
	if len(t.KeyData) > 0 {
		v.KeyData = redacted
	}
	return v
}

func dataSize(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return fmt.Sprintf("<%d bytes>", len(b))
}

// redactURL hides the password of a URL with credentials (a proxy-url may
// carry one). A string that does not parse but holds an "@" is hidden whole.
func redactURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err == nil && u.User != nil:
		return u.Redacted()
	case err != nil && strings.Contains(s, "@"):
		return redacted
	}
	return s
}

// The LogValue methods below make log/slog record a Config, TLSConfig or
// ExecConfig redacted as deliberately as fmt prints it. Without them, slog's
// JSON handler would marshal the fields (TLS key, exec environment) as they
// are; only a Config escaped that, by holding funcs encoding/json refuses.

// LogValue returns the Config as a group of its set fields, with the
// secrets Format redacts replaced by a marker, and PEM data by its size.
func (c Config) LogValue() slog.Value {
	r := c.redacted()
	var a attrs
	a.str("host", r.Host)
	a.str("namespace", r.Namespace)
	a.str("bearerToken", r.BearerToken)
	a.str("bearerTokenFile", r.BearerTokenFile)
	a.str("username", r.Username)
	a.str("password", r.Password)
	if imp := r.Impersonate; imp.UserName != "" || imp.UID != "" || len(imp.Groups) > 0 || len(imp.Extra) > 0 {
		a = append(a, slog.Group("impersonate", "userName", imp.UserName, "uid", imp.UID,
			"groups", imp.Groups, "extra", imp.Extra))
	}
	if r.ExecProvider != nil {
		a = append(a, slog.Any("exec", r.ExecProvider.LogValue()))
	}
	a = append(a, slog.Any("tls", r.TLS.LogValue()))
	a.str("proxyURL", r.ProxyURL)
	if r.Proxy != nil {
		a = append(a, slog.Bool("proxyFunc", true))
	}
	a.str("userAgent", r.UserAgent)
	if r.QPS != 0 || r.Burst != 0 {
		a = append(a, slog.Float64("qps", float64(r.QPS)), slog.Int("burst", r.Burst))
	}
	if r.Timeout != 0 {
		a = append(a, slog.Duration("timeout", r.Timeout))
	}
	if r.MaxRetries != 0 {
		a = append(a, slog.Int("maxRetries", r.MaxRetries))
	}
	return slog.GroupValue(a...)
}

// LogValue returns the TLSConfig as a group of its set fields: KeyData
// redacted, CAData and CertData as their size.
func (t TLSConfig) LogValue() slog.Value {
	v := t.view()
	var a attrs
	if v.Insecure {
		a = append(a, slog.Bool("insecure", true))
	}
	a.str("serverName", v.ServerName)
	a.str("caFile", v.CAFile)
	a.str("caData", v.CAData)
	a.str("certFile", v.CertFile)
	a.str("certData", v.CertData)
	a.str("keyFile", v.KeyFile)
	a.str("keyData", v.KeyData)
	return slog.GroupValue(a...)
}

// LogValue returns the ExecConfig as a group: the command, its arguments,
// the names of its Env variables with their values redacted, and the size
// of ClusterExtension.
func (e ExecConfig) LogValue() slog.Value {
	r := e.redacted()
	var a attrs
	a.str("command", r.Command)
	if len(r.Args) > 0 {
		a = append(a, slog.Any("args", r.Args))
	}
	if len(r.Env) > 0 {
		env := make([]any, len(r.Env))
		for i, v := range r.Env {
			env[i] = slog.String(v.Name, v.Value)
		}
		a = append(a, slog.Group("env", env...))
	}
	a.str("apiVersion", r.APIVersion)
	if r.ProvideClusterInfo {
		a = append(a, slog.Bool("provideClusterInfo", true))
	}
	a.str("clusterExtension", dataSize(r.ClusterExtension))
	return slog.GroupValue(a...)
}

// attrs collects a LogValue's attributes.
type attrs []slog.Attr

// str adds a string attribute unless v is empty.
func (a *attrs) str(key, v string) {
	if v != "" {
		*a = append(*a, slog.String(key, v))
	}
}
