// Package oracle checks kdyn's restmapper against client-go's discovery
// mapper: for the same discovery documents, every answer and every error
// must be the same.
package oracle
