package rest

import (
	"fmt"
	"io"
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
	v := tlsView{
		Insecure: t.Insecure, ServerName: t.ServerName,
		CAFile: t.CAFile, CAData: dataSize(t.CAData),
		CertFile: t.CertFile, CertData: dataSize(t.CertData),
		KeyFile: t.KeyFile, KeyData: dataSize(t.KeyData),
	}
	if len(t.KeyData) > 0 {
		v.KeyData = redacted
	}
	printAs(f, verb, v, "rest.tlsView", "rest.TLSConfig")
}

func dataSize(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return fmt.Sprintf("<%d bytes>", len(b))
}
