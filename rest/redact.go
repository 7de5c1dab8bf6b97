package rest

import (
	"fmt"
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
	r := configFields(c.redacted())
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), r)
}

// redacted returns a copy of c whose secrets are replaced by a marker.
func (c Config) redacted() Config {
	if c.BearerToken != "" {
		c.BearerToken = redacted
	}
	if c.Password != "" {
		c.Password = redacted
	}
	if len(c.TLS.KeyData) > 0 {
		c.TLS.KeyData = []byte(redacted)
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
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), execFields(e.redacted()))
}

func (e ExecConfig) redacted() ExecConfig {
	env := make([]ExecEnvVar, len(e.Env))
	for i, v := range e.Env {
		env[i] = ExecEnvVar{Name: v.Name, Value: redacted}
	}
	e.Env = env
	return e
}
