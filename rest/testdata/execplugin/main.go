// Command execplugin is a client.authentication.k8s.io credential plugin for
// rest's tests. Its behaviour comes from the environment:
//
//	PLUGIN_COUNT      file that gets one line per run (tests count runs)
//	PLUGIN_TOKEN      token prefix; the token is "<prefix>-<run number>"
//	PLUGIN_EXPIRES_IN seconds until expirationTimestamp; unset: no expiry
//	PLUGIN_CERT/KEY   files whose PEM is returned as the client certificate
//	PLUGIN_INFO       file that receives KUBERNETES_EXEC_INFO
//	PLUGIN_FAIL       message for stderr, then exit 1 (stdout gets a token)
//	PLUGIN_API        apiVersion to answer with; default: the request's
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	info := os.Getenv("KUBERNETES_EXEC_INFO")
	if f := os.Getenv("PLUGIN_INFO"); f != "" {
		must(os.WriteFile(f, []byte(info), 0o600))
	}
	run := countRun(os.Getenv("PLUGIN_COUNT"))
	if msg := os.Getenv("PLUGIN_FAIL"); msg != "" {
		fmt.Println(`{"status":{"token":"leaked-secret"}}`)
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
	var req struct {
		APIVersion string `json:"apiVersion"`
	}
	must(json.Unmarshal([]byte(info), &req))
	api := req.APIVersion
	if v := os.Getenv("PLUGIN_API"); v != "" {
		api = v
	}
	status := map[string]any{}
	if p := os.Getenv("PLUGIN_TOKEN"); p != "" {
		status["token"] = p + "-" + strconv.Itoa(run)
	}
	if s := os.Getenv("PLUGIN_EXPIRES_IN"); s != "" {
		secs, err := strconv.Atoi(s)
		must(err)
		status["expirationTimestamp"] = time.Now().Add(time.Duration(secs) * time.Second).UTC().Format(time.RFC3339)
	}
	if c := os.Getenv("PLUGIN_CERT"); c != "" {
		status["clientCertificateData"] = read(c)
		status["clientKeyData"] = read(os.Getenv("PLUGIN_KEY"))
	}
	must(json.NewEncoder(os.Stdout).Encode(map[string]any{"apiVersion": api, "kind": "ExecCredential", "status": status}))
}

// countRun appends a line to file and returns how many lines it has.
func countRun(file string) int {
	if file == "" {
		return 1
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	must(err)
	_, err = f.WriteString("run\n")
	must(err)
	must(f.Close())
	return strings.Count(read(file), "\n")
}

func read(file string) string {
	b, err := os.ReadFile(file)
	must(err)
	return string(b)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
