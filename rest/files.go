package rest

import (
	"fmt"
	"io/fs"
	"os"
)

// Bounds of the files a Config names. A token is a few KiB; a certificate
// bundle a few hundred.
const (
	maxTokenFile = 1 << 20
	maxPEMFile   = 16 << 20
)

// openRegular opens path for reading if it is a regular file (following
// symlinks: projected service-account tokens are symlinks) of at most limit
// bytes. The open does not block: a named pipe would otherwise hang it
// until something writes to it, and a device such as /dev/zero never ends.
func openRegular(path string, limit int64) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("%s is %s, not a regular file", path, fileKind(fi.Mode()))
	}
	if fi.Size() > limit {
		_ = f.Close()
		return nil, &TooLargeError{What: path, Limit: limit}
	}
	return f, nil
}

// readRegular reads a file that openRegular accepts, still within limit
// should it grow meanwhile.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := openRegular(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAtMost(f, limit, path)
}

// checkRegular checks now that path is a file readRegular would read, so a
// typo or a directory is reported with its kubeconfig field rather than at
// the first request.
func checkRegular(path string, limit int64) error {
	f, err := openRegular(path, limit)
	if err != nil {
		return err
	}
	return f.Close()
}

// fileKind names what a non-regular file is, for errors.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file (" + m.Type().String() + ")"
}
