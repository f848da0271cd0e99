// Package awsfiles checks the shared config and credentials files the AWS
// SDK's default chain reads (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
// ~/.aws/config, ~/.aws/credentials) before the SDK does: it reads them
// with os.ReadFile, which no context bounds, so a FIFO there would hold a
// command forever.
package awsfiles

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/inputfile"
)

// Paths are the files the default chain reads, in that order.
func Paths() []string {
	cfg, creds := os.Getenv("AWS_CONFIG_FILE"), os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if cfg == "" {
		cfg = config.DefaultSharedConfigFilename()
	}
	if creds == "" {
		creds = config.DefaultSharedCredentialsFilename()
	}
	return []string{cfg, creds}
}

// Check refuses a shared file that exists and is not a regular file; a
// missing one is fine (the chain skips it).
func Check() error {
	if err := inputfile.CheckExisting(Paths()...); err != nil {
		return fmt.Errorf("%w: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/config, ~/.aws/credentials) must name regular files", err)
	}
	return nil
}
