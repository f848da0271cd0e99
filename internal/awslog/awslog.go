// Package awslog routes the AWS SDK's own log lines (e.g. "WARN falling
// back to IMDSv1" when no credentials are configured) into a command's
// slog logger at debug level: by default the SDK writes them raw to stderr,
// where they read as the command's error and duplicate the message that
// names the fix. With -v they are still there.
package awslog

import (
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// Option is the config.LoadDefaultConfig option that sends the SDK's log
// lines to log, at debug level, with their SDK classification.
func Option(log *slog.Logger) func(*config.LoadOptions) error {
	return config.WithLogger(Logger(log))
}

// Logger adapts log to the SDK's logging.Logger.
func Logger(log *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		log.Debug("aws sdk: "+fmt.Sprintf(format, v...), "sdk_level", string(c))
	})
}
