package rest

// CloseIdleConnections closes the idle connections of the transport a
// wraps. Without it http.Client.CloseIdleConnections, which only reaches a
// transport that has the method, would not get past a, and Client's
// CloseIdleConnections would leave every connection open.
func (a *authRoundTripper) CloseIdleConnections() {
	if c, ok := a.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
