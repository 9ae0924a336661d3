package luatest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FindFiles lists the test files under paths, in order: a file named in
// paths is taken whatever its name; folders are searched recursively, in
// lexical order, for *_test.lua, skipping hidden folders.
func FindFiles(paths []string) ([]string, error) {
	var files []string
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", root, syscallError(err))
		}
		if !info.IsDir() {
			files = append(files, root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), "_test.lua") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// syscallError strips the operation and path from a *fs.PathError, whose
// message would repeat the path.
func syscallError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
